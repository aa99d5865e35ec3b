using OnnxNorm.Graph;
using OnnxNorm.Graph.Proto;

namespace OnnxNorm.Runtime;

/// <summary>Reads and writes a single serialized TensorProto (.pb), the format of ONNX's test data sets.</summary>
public static class TensorProtoFile
{
    public static TensorValue Read(string path, LoadLimits? limits = null)
    {
        TensorProto p;
        try { p = TensorProto.Parser.ParseFrom(File.ReadAllBytes(path)); }
        catch (Google.Protobuf.InvalidProtocolBufferException e) { throw new BadInputException($"{path}: not a TensorProto ({e.Message})"); }
        return TensorValue.FromTensor(Tensor.FromProto(p, null, limits ?? LoadLimits.Default, path));
    }

    /// <summary>The tensor's name as stored in the file (test data names the graph input it feeds).</summary>
    public static string ReadName(string path) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(path)).Name;
}
