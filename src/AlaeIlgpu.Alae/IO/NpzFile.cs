using System.IO.Compression;

namespace AlaeIlgpu.Alae.IO;

/// <summary>
/// NumPy's <c>.npz</c> archives (a zip of <c>.npy</c> members, stored or deflated, as <c>np.savez</c> and
/// <c>np.savez_compressed</c> write them), read into arrays by name (the member name without <c>.npy</c>).
/// </summary>
public static class NpzFile
{
    /// <summary>Every array in <paramref name="path"/>, by name, in archive order.</summary>
    /// <exception cref="InvalidDataException">The file is not a zip, or a member is not a supported <c>.npy</c>; the message names the file and member.</exception>
    public static Dictionary<string, NumpyArray> Read(string path)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a NumPy .npz (zip) archive: {e.Message}", e);
        }
        using (archive)
        {
            var arrays = new Dictionary<string, NumpyArray>(StringComparer.Ordinal);
            foreach (var entry in archive.Entries)
            {
                string name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                using var stream = entry.Open();
                arrays[name] = NpyFile.Read(stream, $"{path}:{entry.FullName}");
            }
            return arrays;
        }
    }
}
