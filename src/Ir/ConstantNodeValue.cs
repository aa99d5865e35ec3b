using OnnxNorm.Ir.Proto;

namespace OnnxNorm.Ir;

/// <summary>Reads a Constant node's attribute (value, value_float(s), value_int(s)) as a tensor.</summary>
internal static class ConstantNodeValue
{
    public static Tensor? Read(Node node)
    {
        string name = node.Output(0)?.Name ?? node.Name;
        foreach (var a in node.Proto.Attribute)
        {
            switch (a.Name)
            {
                case "value":
                    if (a.T is null) throw new BadInputException($"{node.Describe()}: attribute 'value' holds no tensor");
                    var t = Tensor.FromProto(a.T, node.Owner.Model.External, LoadLimits.Default, node.Describe());
                    t.Name = name;
                    return t;
                case "value_float": return Tensor.FromFloats(name, Array.Empty<long>(), new[] { a.F });
                case "value_floats": return Tensor.FromFloats(name, new long[] { a.Floats.Count }, a.Floats.ToArray());
                case "value_int": return Tensor.FromInt64s(name, Array.Empty<long>(), new[] { a.I });
                case "value_ints": return Tensor.FromInt64s(name, new long[] { a.Ints.Count }, a.Ints.ToArray());
            }
        }
        return null;
    }
}
