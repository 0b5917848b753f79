using AlaeIlgpu.Cli;

return AlaeCommand.Build().Parse(args).Invoke();
