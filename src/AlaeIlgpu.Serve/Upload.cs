namespace AlaeIlgpu.Serve;

/// <summary>Reads a request body into memory, never more than a limit (nothing uploaded touches the disk).</summary>
internal static class Upload
{
    /// <summary>The body of <paramref name="request"/>: at least one byte, at most <paramref name="limit"/>.</summary>
    /// <exception cref="ServeException">400 for an empty body, 413 for one over the limit.</exception>
    public static async Task<byte[]> ReadAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit) throw TooLarge(limit);
        using var body = new MemoryStream();
        var buffer = new byte[64 << 10];
        int read;
        while ((read = await request.Body.ReadAsync(buffer)) > 0)
        {
            if (body.Length + read > limit) throw TooLarge(limit);
            body.Write(buffer, 0, read);
        }
        if (body.Length == 0) throw ServeException.BadRequest("the upload is empty: send the image file as the request body.");
        return body.ToArray();
    }

    private static ServeException TooLarge(int limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"the upload is larger than {limit >> 20} MiB, the most accepted.");
}
