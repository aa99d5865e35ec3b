using Google.Protobuf;
using OnnxNorm.Ir;
using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Runtime.Data;

/// <summary>
/// A .pb file holding one ONNX TensorProto (the layout of ONNX's backend test data: input_0.pb, output_0.pb).
/// Decoding goes through the graph IR's <see cref="Tensor"/>, so typed fields, raw_data and their checks are
/// the same as for initializers.
/// </summary>
public static class TensorProtoFile
{
    /// <summary>Reads the tensor in a .pb file.</summary>
    /// <exception cref="BadInputException">The file cannot be read or holds no valid TensorProto (one line naming it).</exception>
    public static TensorValue Read(string path) => ReadNamed(path).Value;

    /// <summary>The tensor and the name stored in the proto ("" if it has none).</summary>
    public static (string Name, TensorValue Value) ReadNamed(string path)
    {
        string label = Path.GetFileName(path);
        byte[] bytes;
        try
        {
            using var fs = InputFile.OpenRead(path, "a .pb tensor file", out _);
            bytes = InputFile.ReadToEnd(fs, label);
        }
        catch (IOException e) { throw new BadInputException($"{path}: cannot read: {e.Message}"); }
        catch (UnauthorizedAccessException e) { throw new BadInputException($"{path}: cannot read: {e.Message}"); }
        return Parse(bytes, label);
    }

    /// <summary>Decodes a serialised TensorProto; <paramref name="label"/> names it in errors. Returns its stored name and tensor.</summary>
    /// <exception cref="BadInputException">Not a valid TensorProto, or one with external data.</exception>
    public static (string Name, TensorValue Value) Parse(byte[] bytes, string label)
    {
        TensorProto proto;
        try { proto = TensorProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new BadInputException($"{label}: not a TensorProto ({e.Message.ReplaceLineEndings(" ")})"); }
        if (proto.DataType == 0 && proto.Dims.Count == 0 && !proto.HasRawData)
            throw new BadInputException($"{label}: not a TensorProto (no data type)");
        if (proto.HasDataLocation && proto.DataLocation == TensorProto.Types.DataLocation.External)
            throw new BadInputException($"{label}: tensors with external data are not supported here");
        Tensor t;
        try { t = Tensor.FromProto(proto, store: null, LoadLimits.Default, label); }
        catch (BadInputException e) { throw new BadInputException($"{label}: {e.Message}"); }
        return (proto.Name, TensorValue.FromTensor(t));
    }

    /// <summary>Writes <paramref name="value"/> as a TensorProto file (raw data), named <paramref name="name"/>; refuses to overwrite, never half-written.</summary>
    public static void Write(string path, TensorValue value, string name = "") =>
        OutputPolicy.Write(path, "the .pb file", force: false, s => ToProto(value, name).WriteTo(s));

    internal static TensorProto ToProto(TensorValue value, string name = "")
    {
        var p = new TensorProto { DataType = (int)value.ElementType };
        if (name.Length > 0) p.Name = name;
        p.Dims.AddRange(value.Shape);
        if (value.ElementType == ElementType.String)
            foreach (string s in ((string[])value.Buffer).Take(value.Length)) p.StringData.Add(ByteString.CopyFromUtf8(s));
        else p.RawData = ByteString.CopyFrom(value.AsBytes());
        return p;
    }
}
