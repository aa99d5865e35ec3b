namespace OnnxNorm.Ir;

/// <summary>One consumer of a value: <see cref="Node"/> reads it as input number <see cref="Index"/>.</summary>
public readonly record struct Use(Node Node, int Index);
