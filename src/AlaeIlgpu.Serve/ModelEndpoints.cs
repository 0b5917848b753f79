using System.Diagnostics;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Serve;

/// <summary>What a run's EMA model draws: samples, held-out images, walks and slider moves in w, reconstructions of uploads.</summary>
internal static class ModelEndpoints
{
    private const string Png = "image/png";

    // Offsets along a principal direction, in standard deviations: the sliders' range and a little more.
    private const double MaxOffset = 5;

    /// <summary>Maps <c>/api/runs/{run}/model</c>, <c>samples.png</c>, <c>heldout/{index}.png</c>, <c>decode.png</c> and <c>reconstruct</c>.</summary>
    public static void Map(WebApplication app, RunLibrary library, ModelHost host)
    {
        app.MapGet("/api/runs/{run}/model", (string run) => host.UseAsync(library.Find(run), loaded => Results.Json(Describe(loaded))));
        app.MapGet("/api/runs/{run}/samples.png", (string run, HttpRequest request) =>
        {
            int n = Query.Int(request, "n", 16, 1, 64);
            ulong seed = (ulong)Query.Int(request, "seed", 1, 0, int.MaxValue);
            double? psi = Query.Number(request, "psi", 0, 1);
            return host.UseAsync(library.Find(run), loaded =>
            {
                var model = psi is null ? loaded.Model : Truncated(loaded.Model, psi.Value);
                return Results.Bytes(PngImages.Grid(model, model.Sample(n, seed), n, Math.Min(n, 8)), Png);
            });
        });
        app.MapGet("/api/runs/{run}/heldout/{index:int}.png", (string run, int index) => host.UseAsync(library.Find(run), loaded =>
        {
            CheckIndex(index, loaded.Basis.Count, "held-out image");
            return Results.Bytes(PngImages.Grid(loaded.Model, loaded.HeldOut.Read(index, 1), 1, 1), Png);
        }));
        app.MapGet("/api/runs/{run}/decode.png", (string run, HttpRequest request, HttpResponse response) =>
        {
            int from = Query.Int(request, "from", 0, 0, int.MaxValue), to = Query.Int(request, "to", from, 0, int.MaxValue);
            double t = Query.Number(request, "t", 0, 1) ?? 0;
            double[] offsets = Query.Numbers(request, "pc", LoadedModel.BasisDirections, -MaxOffset, MaxOffset);
            return host.UseAsync(library.Find(run), loaded =>
            {
                var basis = loaded.Basis;
                CheckIndex(from, basis.Count, "query 'from'");
                CheckIndex(to, basis.Count, "query 'to'");
                if (offsets.Length > basis.Directions.Length) throw ServeException.BadRequest($"query 'pc': {offsets.Length} offsets, the model has {basis.Directions.Length} directions.");
                long start = Stopwatch.GetTimestamp();
                byte[] png = PngImages.Grid(loaded.Model, loaded.Model.Decode(basis.Point(from, to, t, offsets), 1), 1, 1);
                // The server's share of a slider move (G(w) and the PNG), for the browser's network panel and the latency test.
                response.Headers["Server-Timing"] = FormattableString.Invariant($"decode;dur={Stopwatch.GetElapsedTime(start).TotalMilliseconds:F2}");
                return Results.Bytes(png, Png);
            });
        });
        app.MapPost("/api/runs/{run}/reconstruct", async (string run, HttpRequest request) =>
        {
            bool? invert = Invert(request.Query["invert"]);
            byte[] upload = await Upload.ReadAsync(request, ServeOptions.MaxUploadBytes);
            return await host.UseAsync(library.Find(run), loaded => Results.Json(Reconstruct(loaded.Model, upload, invert)));
        });
    }

    private static object Describe(LoadedModel loaded)
    {
        var model = loaded.Model;
        return new
        {
            model = loaded.Kind.Name,
            description = loaded.Kind.Description,
            iteration = loaded.Iteration,
            channels = model.ImageShape.Channels,
            resolution = model.ImageShape.Height,
            latentSize = model.LatentSize,
            heldOut = loaded.Basis.Count,
            deviations = loaded.Basis.Deviations,
            truncation = model is StyleAutoencoder,
            lod = (model as StyleAutoencoder)?.Lod,
        };
    }

    private static object Reconstruct(IAutoencoder model, byte[] upload, bool? invert)
    {
        var (image, inverted) = PngImages.Decode(upload, model, invert);
        float[] w = model.Encode(image, 1);   // [1, latent]
        float[] decoded = model.Decode(w, 1);
        static string DataUrl(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);
        return new
        {
            input = DataUrl(PngImages.Grid(model, image, 1, 1)),
            reconstruction = DataUrl(PngImages.Grid(model, decoded, 1, 1)),
            w,
            inverted,
        };
    }

    private static IAutoencoder Truncated(IAutoencoder model, double psi) =>
        model is StyleAutoencoder style
            ? style.WithTruncation(psi)
            : throw ServeException.BadRequest("query 'psi' applies to StyleALAE runs (the MLP ALAE has no style slots to truncate).");

    private static bool? Invert(string? value) => value switch
    {
        null or "auto" => null,
        "yes" => true,
        "no" => false,
        _ => throw ServeException.BadRequest($"query 'invert': '{value}' must be auto, yes or no."),
    };

    private static void CheckIndex(int index, int count, string what)
    {
        if (index < 0 || index >= count) throw ServeException.BadRequest($"{what} {index} is outside the {count} held-out images shown.");
    }
}
