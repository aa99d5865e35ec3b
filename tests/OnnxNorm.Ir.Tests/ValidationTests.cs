using OnnxNorm.Ir;
using Google.Protobuf;
using OnnxNorm.Ir.Proto;
using OnnxNorm.TestModels;

namespace OnnxNorm.Ir.Tests;

public class ValidationTests
{
    private static string LoadError(byte[] bytes)
    {
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(bytes, "m.onnx").Dispose());
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private static ModelBuilder Tiny()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1, 4);
        b.Node("Relu", new[] { "x" }, new[] { "y" }, "relu1");
        b.Output("y", ElementType.Float, 1, 4);
        return b;
    }

    [Fact]
    public void EmptyInput() => Assert.Contains("empty", LoadError(Array.Empty<byte>()));

    [Fact]
    public void RandomBytesAreNotAModel()
    {
        var rng = new DeterministicRandom(1);
        var bytes = new byte[4096];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)rng.NextUInt64();
        Assert.StartsWith("m.onnx:", LoadError(bytes));
    }

    [Fact]
    public void TruncatedFile()
    {
        var bytes = CnnModels.ConvBnSmall().ToBytes();
        Assert.Contains("m.onnx", LoadError(bytes[..(bytes.Length / 2)]));
    }

    [Fact]
    public void UndefinedInputNamesNodeAndValue()
    {
        var b = Tiny();
        b.Graph.Node[0].Input[0] = "ghost";
        var msg = LoadError(b.ToBytes());
        Assert.Contains("relu1", msg);
        Assert.Contains("ghost", msg);
    }

    [Fact]
    public void ValueDefinedTwice()
    {
        var b = Tiny();
        b.Node("Relu", new[] { "x" }, new[] { "y" }, "relu2");
        Assert.Contains("'y' is defined twice", LoadError(b.ToBytes()));
    }

    [Fact]
    public void DuplicateInitializer()
    {
        var b = Tiny();
        b.Initializer("w", new float[] { 1 }, 1);
        b.Initializer("w", new float[] { 1 }, 1);
        Assert.Contains("'w' is defined twice", LoadError(b.ToBytes()));
    }

    [Fact]
    public void Cycle()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1);
        b.Node("Add", new[] { "x", "b" }, new[] { "a" }, "n1");
        b.Node("Relu", new[] { "a" }, new[] { "b" }, "n2");
        b.Output("b", ElementType.Float, 1);
        Assert.Contains("cycle", LoadError(b.ToBytes()));
    }

    [Fact]
    public void SelfLoop()
    {
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1);
        b.Node("Add", new[] { "x", "a" }, new[] { "a" }, "self");
        b.Output("a", ElementType.Float, 1);
        Assert.Contains("cycle", LoadError(b.ToBytes()));
    }

    [Fact]
    public void GraphOutputNothingProduces()
    {
        var b = Tiny();
        b.Output("nowhere", ElementType.Float, 1);
        Assert.Contains("'nowhere' is not produced", LoadError(b.ToBytes()));
    }

    [Fact]
    public void RawDataLengthMismatch()
    {
        var b = Tiny();
        b.Graph.Initializer.Add(new TensorProto { Name = "w", DataType = 1, Dims = { 4 }, RawData = ByteString.CopyFrom(new byte[15]) });
        var msg = LoadError(b.ToBytes());
        Assert.Contains("'w'", msg);
        Assert.Contains("raw_data has 15 bytes", msg);
    }

    [Fact]
    public void DimProductOverflows()
    {
        var b = Tiny();
        b.Graph.Initializer.Add(new TensorProto { Name = "huge", DataType = 1, Dims = { 1L << 40, 1L << 40 } });
        Assert.Contains("overflows", LoadError(b.ToBytes()));
    }

    [Fact]
    public void NegativeDim()
    {
        var b = Tiny();
        b.Graph.Initializer.Add(new TensorProto { Name = "neg", DataType = 1, Dims = { -3 } });
        Assert.Contains("negative dim", LoadError(b.ToBytes()));
    }

    [Fact]
    public void TinyFileDeclaringAHugeTensorIsRefusedQuickly()
    {
        var b = Tiny();
        b.Graph.Initializer.Add(new TensorProto { Name = "big", DataType = 1, Dims = { 1L << 40 }, RawData = ByteString.CopyFrom(new byte[4]) });
        Assert.Contains("'big'", LoadError(b.ToBytes()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(99)]
    public void UnsupportedIrVersion(long ir)
    {
        var b = Tiny();
        b.Model.IrVersion = ir;
        Assert.Contains($"IR version {ir}", LoadError(b.ToBytes()));
    }

    [Fact]
    public void MissingIrVersion()
    {
        var b = Tiny();
        b.Model.ClearIrVersion();
        Assert.Contains("ir_version is missing", LoadError(b.ToBytes()));
    }

    [Fact]
    public void MissingOpsetImport()
    {
        var b = Tiny();
        b.Model.OpsetImport.Clear();
        Assert.Contains("does not import", LoadError(b.ToBytes()));
    }

    [Fact]
    public void SeveralDataFieldsAtOnce()
    {
        var b = Tiny();
        b.Graph.Initializer.Add(new TensorProto { Name = "two", DataType = 1, Dims = { 1 }, RawData = ByteString.CopyFrom(new byte[4]), FloatData = { 1f } });
        Assert.Contains("several data fields", LoadError(b.ToBytes()));
    }

    [Fact]
    public void DeepSubgraphNestingIsBounded()
    {
        // If nodes nested 200 deep: the loader must refuse with a message, not overflow the stack.
        static GraphProto Leaf()
        {
            GraphProto leaf = new() { Name = "leaf" };
            leaf.Node.Add(new NodeProto { OpType = "Identity", Input = { "x" }, Output = { "o" } });
            leaf.Output.Add(new ValueInfoProto { Name = "o", Type = ModelBuilder.TensorType(ElementType.Float, 1) });
            return leaf;
        }
        GraphProto body = Leaf();
        for (int i = 0; i < 200; i++)
        {
            var outer = new GraphProto { Name = $"g{i}" };
            var n = new NodeProto { OpType = "If", Input = { "c" }, Output = { $"o{i}" } };
            n.Attribute.Add(ModelBuilder.Attribute("then_branch", body));
            n.Attribute.Add(ModelBuilder.Attribute("else_branch", Leaf()));
            outer.Node.Add(n);
            outer.Output.Add(new ValueInfoProto { Name = $"o{i}", Type = ModelBuilder.TensorType(ElementType.Float, 1) });
            body = outer;
        }
        var b = new ModelBuilder();
        b.Input("x", ElementType.Float, 1);
        b.Input("c", ElementType.Bool);
        b.Graph.Node.AddRange(body.Node);
        b.Graph.Output.AddRange(body.Output);
        Assert.StartsWith("m.onnx:", LoadError(b.ToBytes()));
    }
}

public class TypeMismatchTests
{
    [Fact]
    public void InitializerWhoseDeclaredInputTypeDiffersIsRefused()
    {
        var b = new ModelBuilder(irVersion: 8);
        b.Input("x", ElementType.Float, 1);
        b.Input("w", ElementType.Int64, 1);
        b.Initializer("w", new float[] { 2 }, 1);
        b.Node("Mul", new[] { "x", "w" }, new[] { "y" }, "mul");
        b.Output("y", ElementType.Float, 1);
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(b.ToBytes()).Dispose());
        Assert.Contains("'w' is declared int64", e.Message);
    }
}

public class OpsetTests
{
    private static ModelBuilder WithOpset(long opset)
    {
        var b = new ModelBuilder(opset: opset);
        b.Input("x", ElementType.Float, 1);
        b.Node("Relu", new[] { "x" }, new[] { "y" }, "r");
        b.Output("y", ElementType.Float, 1);
        return b;
    }

    [Fact]
    public void OpsetNewerThanKnownIsRefused()
    {
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(WithOpset(ModelLoader.MaxDefaultOpset + 1).ToBytes()).Dispose());
        Assert.Contains($"opset {ModelLoader.MaxDefaultOpset + 1} is newer", e.Message);
    }

    [Fact]
    public void OpsetZeroIsRefused() =>
        Assert.Contains("not a valid version", Assert.Throws<BadInputException>(() => ModelLoader.Load(WithOpset(0).ToBytes()).Dispose()).Message);

    [Fact]
    public void NewestKnownOpsetLoads() => ModelLoader.Load(WithOpset(ModelLoader.MaxDefaultOpset).ToBytes()).Dispose();

    [Fact]
    public void TensorCapRefusesLargeTensors()
    {
        var b = WithOpset(17);
        b.Initializer("w", new float[256], 256);
        var limits = LoadLimits.Default with { MaxTensorBytes = 1000 };
        var e = Assert.Throws<BadInputException>(() => ModelLoader.Load(b.ToBytes(), limits: limits).Dispose());
        Assert.Contains("'w' declares 1,024 bytes, over the 1,000-byte limit", e.Message);
    }
}
