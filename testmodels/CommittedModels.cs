namespace OnnxNorm.TestModels;

/// <summary>The models committed in testmodels/, each with the builder that makes it (a test checks they match).</summary>
public static class CommittedModels
{
    public static readonly IReadOnlyList<(string File, Func<ModelBuilder> Build)> All = new (string, Func<ModelBuilder>)[]
    {
        ("convbn_small.onnx", () => CnnModels.ConvBnSmall()),
    };
}
