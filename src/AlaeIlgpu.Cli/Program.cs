using AlaeIlgpu.Cli;

return AlaeCommand.Invoke(args);
