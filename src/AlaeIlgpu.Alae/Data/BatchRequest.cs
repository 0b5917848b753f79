namespace AlaeIlgpu.Alae.Data;

/// <summary>One training batch to load: samples <paramref name="FirstSample"/> .. + <paramref name="BatchSize"/> - 1 at one side.</summary>
/// <param name="FirstSample">Number of the batch's first sample in the run (images drawn before it); fixes its rows and flips.</param>
/// <param name="BatchSize">Images in the batch.</param>
/// <param name="Resolution">Side of the level to read.</param>
public readonly record struct BatchRequest(long FirstSample, int BatchSize, int Resolution);
