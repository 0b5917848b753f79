namespace AlaeIlgpu.Tests.Alae;

/// <summary>Paths of the fixtures copied next to the test binaries (<c>Fixtures/</c> in the test project).</summary>
internal static class Fixtures
{
    /// <summary>A file of the official tiny32 StyleALAE fixture (see its README.md).</summary>
    public static string Tiny32(string relative) =>
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "official-alae", "tiny32", relative);
}
