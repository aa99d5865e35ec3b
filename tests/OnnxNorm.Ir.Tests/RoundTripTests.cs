using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ir.Tests;

public class RoundTripTests
{
    private static byte[] RoundTrip(string path)
    {
        using var m = ModelLoader.Load(path);
        return ModelSaver.ToBytes(m);
    }

    [Fact]
    public void CommittedModelsMatchTheirGenerator()
    {
        foreach (var (file, build) in CommittedModels.All)
            Assert.Equal(build().ToBytes(), File.ReadAllBytes(TestData.TestModel(file)));
    }

    [Theory]
    [InlineData(TestData.PaddleCls)]
    [InlineData(TestData.PaddleDet)]
    [InlineData(TestData.PaddleRec)]
    public void PaddleModelsRoundTripByteIdentical(string file)
    {
        string path = TestData.Paddle(file);
        Assert.Equal(File.ReadAllBytes(path), RoundTrip(path));
    }

    [Fact]
    public void CommittedModelsRoundTripByteIdentical()
    {
        foreach (var (file, _) in CommittedModels.All)
            Assert.Equal(File.ReadAllBytes(TestData.TestModel(file)), RoundTrip(TestData.TestModel(file)));
    }

    [Fact]
    public void EveryBackendSuiteModelLoadsAndRoundTripsByteIdentical()
    {
        var models = Directory.EnumerateFiles(TestData.OnnxBackendData, "model.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.True(models.Count > 900, $"expected the ~1,000 backend models, found {models.Count}");
        var failures = new List<string>();
        foreach (var path in models)
        {
            try
            {
                if (!File.ReadAllBytes(path).AsSpan().SequenceEqual(RoundTrip(path))) failures.Add($"{path}: bytes differ");
            }
            catch (BadInputException e) { failures.Add($"{path}: {e.Message}"); }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {models.Count} failed:\n" + string.Join("\n", failures.Take(30)));
    }

    [Fact]
    public void SavingIsDeterministic()
    {
        var a = CnnModels.ConvBnSmall().ToBytes();
        using var m1 = ModelLoader.Load(a);
        using var m2 = ModelLoader.Load(a);
        Assert.Equal(ModelSaver.ToBytes(m1), ModelSaver.ToBytes(m2));
    }

    [Fact]
    public void UnknownFieldsDocStringsAndMetadataSurvive()
    {
        var b = CnnModels.ConvBnSmall();
        b.Model.DocString = "model doc";
        b.Model.MetadataProps.Add(new Proto.StringStringEntryProto { Key = "author", Value = "x" });
        b.Graph.Node[0].DocString = "node doc";
        byte[] bytes = b.ToBytes();
        // Append an unknown field (number 99, varint 42) to the model message.
        byte[] withUnknown = bytes.Concat(new byte[] { 0x98, 0x06, 42 }).ToArray();
        using var m = ModelLoader.Load(withUnknown);
        Assert.Equal(withUnknown, ModelSaver.ToBytes(m));
    }
}
