using System.Reflection;

namespace OnnxNorm.Packaging.Tests;

/// <summary>
/// Every type a library's public API mentions: base types, interfaces, and the types of public and protected
/// fields, properties, events, method returns and parameters, generic arguments and array elements unpacked.
/// </summary>
internal static class PublicSurface
{
    private const BindingFlags Members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                         BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Each exported type with every type its visible surface names ("Owner.Member: Type").</summary>
    public static IEnumerable<(string Where, Type Type)> Of(Assembly assembly)
    {
        foreach (var t in assembly.GetExportedTypes())
        {
            foreach (var u in Unpack(t)) yield return (t.FullName!, u);
            if (t.BaseType is { } b) foreach (var u in Unpack(b)) yield return ($"{t.FullName} base", u);
            foreach (var i in t.GetInterfaces()) foreach (var u in Unpack(i)) yield return ($"{t.FullName} interface", u);
            foreach (var m in t.GetMembers(Members))
            foreach (var mentioned in Mentioned(m))
            foreach (var u in Unpack(mentioned))
                yield return ($"{t.FullName}.{m.Name}", u);
        }
    }

    private static bool Visible(MethodBase? m) => m is not null && (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly);

    private static IEnumerable<Type> Mentioned(MemberInfo m) => m switch
    {
        FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly => new[] { f.FieldType },
        PropertyInfo p when Visible(p.GetMethod) || Visible(p.SetMethod) =>
            p.GetIndexParameters().Select(x => x.ParameterType).Append(p.PropertyType),
        EventInfo e when Visible(e.AddMethod) => new[] { e.EventHandlerType! },
        MethodInfo mi when Visible(mi) => mi.GetParameters().Select(x => x.ParameterType).Append(mi.ReturnType),
        ConstructorInfo c when Visible(c) => c.GetParameters().Select(x => x.ParameterType),
        _ => Array.Empty<Type>(),
    };

    private static IEnumerable<Type> Unpack(Type t)
    {
        if (t.HasElementType) { foreach (var u in Unpack(t.GetElementType()!)) yield return u; yield break; }
        if (t.IsGenericParameter) yield break;
        yield return t;
        if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) foreach (var u in Unpack(a)) yield return u;
    }
}
