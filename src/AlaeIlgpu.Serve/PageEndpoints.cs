using System.Reflection;

namespace AlaeIlgpu.Serve;

/// <summary>The pages, their scripts and styles, and the source files the "How it works" page links to, all from the assembly's resources.</summary>
internal static class PageEndpoints
{
    private static readonly Assembly Resources = typeof(PageEndpoints).Assembly;

    private static readonly string[] RunPages = ["train", "explore", "reconstruct"];

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
    };

    /// <summary>Maps <c>/</c>, <c>/how</c>, <c>/runs/{run}/{train|explore|reconstruct}</c>, <c>/static/{file}</c> and <c>/source/{path}</c>.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Page("runs.html"));
        app.MapGet("/how", () => Page("how.html"));
        foreach (string page in RunPages)
            app.MapGet($"/runs/{{run}}/{page}", (string run) =>
            {
                RunLibrary.CheckFileName(run, "run name");
                return Page(page + ".html");
            });
        app.MapGet("/static/{file}", (string file) => Page(file));
        app.MapGet("/source/{**path}", (string path) =>
            Read("source:" + path) is { } text
                ? Results.Bytes(text, "text/plain; charset=utf-8")
                : throw ServeException.NotFound($"no source file '{path}' is linked from these pages."));
    }

    private static IResult Page(string file)
    {
        RunLibrary.CheckFileName(file, "file name");
        return Read("page:" + file) is { } bytes && ContentTypes.TryGetValue(Path.GetExtension(file), out string? type)
            ? Results.Bytes(bytes, type)
            : throw ServeException.NotFound($"no page or file '{file}'.");
    }

    private static byte[]? Read(string name)
    {
        using var stream = Resources.GetManifestResourceStream(name);
        if (stream is null) return null;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
