using OnnxNorm.Cli;

return Verbs.Run(args);
