using OnnxNorm.Ir;

namespace OnnxNorm.Passes;

/// <summary>Input <see cref="Index"/> of a node is to read a new constant, named after <see cref="NameHint"/>.</summary>
public sealed record InputReplacement(int Index, string NameHint, Tensor Tensor);
