using System.Net;
using System.Text.Json.Serialization;
using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Backends;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AlaeIlgpu.Serve;

/// <summary>
/// The web view of runs: a Kestrel server with the pages (runs, live training, explore, reconstruct, how it works) and
/// the JSON and PNG API behind them. Every failure of a request is answered with a JSON <c>{"error": ...}</c> and its
/// status (4xx for bad input, 409 for a run whose files cannot be used, 503 with Retry-After for a checkpoint that cannot
/// be read now); the server goes on serving.
/// </summary>
public sealed class AlaeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AlaeServer(WebApplication app, IReadOnlyList<string> urls) => (_app, Urls) = (app, urls);

    /// <summary>The addresses the server listens on, e.g. http://127.0.0.1:5180.</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>Starts serving the runs of <paramref name="options"/> with models on <paramref name="backend"/>.</summary>
    /// <exception cref="IOException">A given run folder is not a run, or the port is taken.</exception>
    public static async Task<AlaeServer> StartAsync(ServeOptions options, Backend backend, CancellationToken cancel = default)
    {
        var library = new RunLibrary(options.RunsFolder, options.Runs);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{UrlHost(options.Host)}:{options.Port}");
        // A little over the upload limit, so Upload's own check answers first with a clear message.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 2L * ServeOptions.MaxUploadBytes);
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals);
        var app = builder.Build();
        app.Use(JsonErrors);
        app.UseRouting();   // after JsonErrors, so errors of routing itself are answered in JSON too
        PageEndpoints.Map(app);
        RunEndpoints.Map(app, library);
        ModelEndpoints.Map(app, library, new ModelHost(backend));
        app.MapFallback((HttpContext context) => Task.FromException(ServeException.NotFound($"no page or API at {context.Request.Path}.")));
        await app.StartAsync(cancel);
        var urls = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        return new AlaeServer(app, urls);
    }

    /// <summary>Serves until <paramref name="cancel"/> fires (Ctrl+C) or the host is told to stop.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel) => _app.WaitForShutdownAsync(cancel);

    /// <summary>Stops serving (requests in flight finish) and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string UrlHost(string host) =>
        IPAddress.TryParse(host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;

    private static async Task JsonErrors(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (ServeException error)
        {
            if (error.StatusCode == StatusCodes.Status503ServiceUnavailable)
                context.Response.Headers.RetryAfter = ServeException.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteError(context, error.StatusCode, error.Message);
        }
        catch (BadHttpRequestException error)
        {
            await WriteError(context, error.StatusCode, error.Message);
        }
        catch (Exception error) when (error is ConfigException or InvalidDataException or IOException)
        {
            // A run whose own files cannot be used (a damaged config.json or run.json, a StyleALAE dataset moved away):
            // the message names the file; the request can succeed once the run is put right.
            await WriteError(context, StatusCodes.Status409Conflict, error.Message);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            Console.Error.WriteLine($"error: {context.Request.Method} {context.Request.Path}: {error}");
            await WriteError(context, StatusCodes.Status500InternalServerError, $"{error.GetType().Name}: {error.Message}");
        }
    }

    private static Task WriteError(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        return Results.Json(new { error = message }, statusCode: status).ExecuteAsync(context);
    }
}
