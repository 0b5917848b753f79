namespace AlaeIlgpu.Serialization;

/// <summary>Writes a tensor's values (float32, C order) into <paramref name="destination"/>, which has exactly as many elements.</summary>
public delegate void FillValues(Span<float> destination);

/// <summary>An entry of a <see cref="TensorArchive"/> to be written: its name, its shape and how its values are produced.</summary>
/// <param name="Name">The entry's name.</param>
/// <param name="Shape">The entry's shape.</param>
/// <param name="Fill">Produces the values when the entry is written.</param>
public sealed record TensorArchiveEntry(string Name, TensorShape Shape, FillValues Fill)
{
    /// <summary>An entry whose values are downloaded from <paramref name="value"/> when written.</summary>
    public static TensorArchiveEntry Of(string name, Tensor value) =>
        new(name, value.Shape, destination => value.Backend.Download(value.Storage, destination));
}
