using Google.Protobuf;
using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.TestModels;

/// <summary>
/// Writes ONNX models straight as protos, independent of the IR under test, so that tests of the loader,
/// passes and executor start from files built another way.
/// </summary>
public sealed class ModelBuilder
{
    private int _nodeCounter;

    public ModelBuilder(long opset = 17, long irVersion = 8, string graphName = "g")
    {
        Model = new ModelProto { IrVersion = irVersion, ProducerName = "onnxnorm-testmodels", ProducerVersion = "1", Graph = new GraphProto { Name = graphName } };
        Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    internal ModelProto Model { get; }
    internal GraphProto Graph => Model.Graph;

    internal static TypeProto TensorType(ElementType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } };
    }

    public string Input(string name, ElementType type, params object[] dims)
    {
        Graph.Input.Add(new ValueInfoProto { Name = name, Type = TensorType(type, dims) });
        return name;
    }

    public string Output(string name, ElementType type, params object[] dims)
    {
        Graph.Output.Add(new ValueInfoProto { Name = name, Type = TensorType(type, dims) });
        return name;
    }

    /// <summary>An output whose shape is left unknown (the rank too).</summary>
    public string OutputUnknownShape(string name, ElementType type)
    {
        Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type } } });
        return name;
    }

    internal static TensorProto MakeTensor(string name, ElementType type, long[] dims, ReadOnlySpan<double> values)
    {
        var t = Tensor.FromDoubles(name, type, dims, values);
        var p = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(t.Bytes.Span) };
        p.Dims.AddRange(dims);
        return p;
    }

    internal static TensorProto MakeInt64Tensor(string name, long[] dims, long[] values)
    {
        var p = new TensorProto { Name = name, DataType = (int)ElementType.Int64 };
        p.Dims.AddRange(dims);
        p.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return p;
    }

    public string Initializer(string name, ElementType type, long[] dims, ReadOnlySpan<double> values)
    {
        Graph.Initializer.Add(MakeTensor(name, type, dims, values));
        return name;
    }

    public string Initializer(string name, float[] values, params long[] dims)
    {
        var d = new double[values.Length];
        for (int i = 0; i < d.Length; i++) d[i] = values[i];
        return Initializer(name, ElementType.Float, dims, d);
    }

    public string Int64Initializer(string name, long[] values, params long[] dims)
    {
        Graph.Initializer.Add(MakeInt64Tensor(name, dims, values));
        return name;
    }

    /// <summary>A Constant node holding the tensor (the way PaddleOCR exports weights).</summary>
    public string ConstantNode(string name, ElementType type, long[] dims, ReadOnlySpan<double> values)
    {
        var node = new NodeProto { OpType = "Constant", Name = name + "_const" };
        node.Output.Add(name);
        node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = MakeTensor(name, type, dims, values) });
        Graph.Node.Add(node);
        return name;
    }

    internal NodeProto Node(string op, string[] inputs, string[] outputs, string? name = null, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name ?? $"{op.ToLowerInvariant()}_{_nodeCounter++}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (an, av) in attributes) node.Attribute.Add(Attribute(an, av));
        Graph.Node.Add(node);
        return node;
    }

    /// <summary>Single-output convenience: returns the output name.</summary>
    public string Op(string op, string output, params string[] inputs)
    {
        Node(op, inputs, new[] { output });
        return output;
    }

    internal static AttributeProto Attribute(string name, object value) => value switch
    {
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        double d => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)d },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] ls => IntsAttribute(name, ls),
        int[] iarr => IntsAttribute(name, iarr.Select(x => (long)x).ToArray()),
        float[] fs => FloatsAttribute(name, fs),
        GraphProto g => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = g },
        TensorProto t => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = t },
        _ => throw new ArgumentException($"attribute {name}: unsupported value type {value.GetType()}"),
    };

    private static AttributeProto IntsAttribute(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static AttributeProto FloatsAttribute(string name, float[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    public byte[] ToBytes() => Model.ToByteArray();

    public void Save(string path) => File.WriteAllBytes(path, ToBytes());
}
