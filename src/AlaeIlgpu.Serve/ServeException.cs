namespace AlaeIlgpu.Serve;

/// <summary>A request that cannot be served, with the HTTP status and the message the JSON error carries.</summary>
/// <param name="statusCode">400 bad input, 404 unknown, 413 too large, 503 try again later.</param>
/// <param name="message">What is wrong, naming the parameter, run or file at fault.</param>
internal sealed class ServeException(int statusCode, string message) : Exception(message)
{
    /// <summary>Seconds a client should wait before retrying a 503 (a checkpoint being rewritten is replaced within a second or two).</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>A 400 error.</summary>
    public static ServeException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    /// <summary>A 404 error.</summary>
    public static ServeException NotFound(string message) => new(StatusCodes.Status404NotFound, message);
}
