using AlaeIlgpu.Cli;

namespace AlaeIlgpu.Serve.Tests;

/// <summary><c>alae serve</c>'s bad arguments end before a server starts, with exit code 1 and the message on stderr.</summary>
[Collection(ServedRunsCollection.Name)]
public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("/nonexistent/run", "does not exist")]
    [InlineData("--port=70000", "--port 70000 must be from 0 to 65535")]
    public void BadArgumentsExitWithAMessage(string argument, string message)
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(ExitCodes.Error, AlaeCommand.Invoke(["serve", argument, "--device", "cpu"]));
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains(message, error.ToString());
    }
}
