using System.Runtime.InteropServices;
using Google.Protobuf;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;
using OnnxNorm.TestSupport;

namespace OnnxNorm.Ir.Tests;

/// <summary>Large raw_data weights are used in place (mapped file or caller's buffer), never copied by the parser.</summary>
public class MappedWeightsTests
{
    private static readonly double[] BigValues = new DeterministicRandom(3).Normals(64 * 16 * 3 * 3);

    // One weight well over the in-place threshold and one under it.
    private static ModelBuilder TwoWeights()
    {
        var b = new ModelBuilder();
        var x = b.Input("x", ElementType.Float, 1, 16, 8, 8);
        var w = b.Initializer("w", ElementType.Float, new long[] { 64, 16, 3, 3 }, BigValues);
        var bias = b.Initializer("bias", ElementType.Float, new long[] { 64 }, new DeterministicRandom(4).Normals(64));
        b.Node("Conv", new[] { x, w, bias }, new[] { "y" }, "conv", ("pads", new long[] { 1, 1, 1, 1 }));
        b.Output("y", ElementType.Float, 1, 64, 8, 8);
        return b;
    }

    private static string Saved(ModelBuilder b)
    {
        string path = Path.Combine(TestData.NewTempDir(), "m.onnx");
        b.Save(path);
        return path;
    }

    private static bool IsMapped(Tensor t) => MemoryMarshal.TryGetMemoryManager(t.Bytes, out MappedFile? _);

    private static Tensor Weight(Model m, string name) => m.AllInitializers().Single(t => t.Name == name);

    [Fact]
    public void LargeWeightsAreReadFromTheMappedFileAndSmallOnesAreParsed()
    {
        string path = Saved(TwoWeights());
        using var m = ModelLoader.Load(path);
        Assert.True(IsMapped(Weight(m, "w")), "the 36 KB weight should be a view of the mapped file");
        Assert.False(IsMapped(Weight(m, "bias")), "the 256-byte bias is below the threshold and parsed as usual");
        Assert.Equal(BigValues.Select(v => (float)v).ToArray(), Weight(m, "w").AsSpan<float>().ToArray());
        Assert.True(Weight(m, "w").IsUnchangedFromFile);
    }

    [Fact]
    public void MappedWeightsSaveBackByteIdentical()
    {
        string path = Saved(TwoWeights());
        using var m = ModelLoader.Load(path);
        Assert.Equal(File.ReadAllBytes(path), ModelSaver.ToBytes(m));
    }

    [Fact]
    public void LoadingFromBytesUsesOneCopyOfTheBuffer()
    {
        byte[] bytes = TwoWeights().ToBytes();
        using var m = ModelLoader.Load(bytes, "m.onnx");
        Assert.Equal(BigValues.Select(v => (float)v).ToArray(), Weight(m, "w").AsSpan<float>().ToArray());
        Assert.Equal(bytes, ModelSaver.ToBytes(m));
    }

    [Fact]
    public void DroppedPagesAreReadAgainFromTheFile()
    {
        string path = Saved(TwoWeights());
        using var m = ModelLoader.Load(path);
        var w = Weight(m, "w");
        float[] before = w.AsSpan<float>().ToArray();
        w.DropResidentPages();
        Assert.Equal(before, w.AsSpan<float>().ToArray());
    }

    [Fact]
    public void ReplacingTheFileAfterLoadingDoesNotChangeTheLoadedWeights()
    {
        string path = Saved(TwoWeights());
        using var m = ModelLoader.Load(path);
        float[] before = Weight(m, "w").AsSpan<float>().ToArray();
        // What an atomic save over the input does: a new file renamed into place.
        string other = path + ".new";
        CnnModels.ConvBnSmall().Save(other);
        File.Move(other, path, overwrite: true);
        Assert.Equal(before, Weight(m, "w").AsSpan<float>().ToArray());
    }

    [Fact]
    public void A16ByteRawDataIsDataNotAToken()
    {
        // The in-place token is 16 bytes; a genuine 16-byte raw_data beside a mapped weight stays itself.
        var b = TwoWeights();
        var t = new TensorProto { Name = "four", DataType = (int)ElementType.Float };
        t.Dims.Add(4);
        t.RawData = ByteString.CopyFrom(new byte[] { 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64 });
        b.Graph.Initializer.Add(t);
        using var m = ModelLoader.Load(Saved(b));
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, Weight(m, "four").AsSpan<float>().ToArray());
        Assert.True(IsMapped(Weight(m, "w")));
    }

    [Fact]
    public void AFileCutInsideAWeightIsReportedNotCrashedOn()
    {
        string path = Saved(TwoWeights());
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(path).Dispose());
        Assert.StartsWith("m.onnx: not a valid ONNX protobuf", e.Message);
    }

    [Fact]
    public void AWeightWhoseLengthDoesNotMatchItsDimsIsNamed()
    {
        var b = TwoWeights();
        b.Graph.Initializer.Single(t => t.Name == "w").Dims[0] = 63;
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(Saved(b)).Dispose());
        Assert.StartsWith("m.onnx: tensor 'w': raw_data has 36864 bytes", e.Message);
        Assert.EndsWith("needs 36288", e.Message);
    }
}
