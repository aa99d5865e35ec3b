using OnnxNorm.Cli;

Avx512Dispatch.ExecSiblingIfTheCpuHasAvx512(args);
return Verbs.Run(args);
