using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Data;
using OnnxNorm.TestModels;

namespace OnnxNorm.Stats.Tests;

/// <summary>
/// Models whose BN statistics for a given dataset are known in closed form, with planted errors.
/// <para>x [N, 4, 6, 6] is generated so that each channel's sample mean and population variance are
/// exactly <see cref="InputMean"/> and <see cref="InputVar"/> (standardised per channel, then scaled).
/// Chain: x → bn1 → (·a1 + b1) → bn2 → (·a2 + b2) → bn3 → y. Only per-channel affine maps sit between
/// the BNs, so with correct upstream statistics the true input statistics of each BN follow by hand:
/// a correct BN's output has mean β and variance γ²·v/(v+ε), and z = a·y + b has mean a·mean + b and
/// variance a²·var.</para>
/// <para>Plants: bn1's running mean is off by +3σ on channel 1 and −2.5σ on channel 3; bn2's running
/// variance is a quarter of the truth on channel 2. bn3 is right for correct upstream statistics, so it
/// only inherits drift.</para>
/// </summary>
public static class PlantedModels
{
    public const int C = 4, H = 6, W = 6;
    public const float Epsilon = 1e-5f;
    public static readonly double[] InputMean = { 0.5, -1.0, 2.0, 0.0 };
    public static readonly double[] InputVar = { 1.0, 4.0, 0.25, 9.0 };
    public static readonly double[] Gamma1 = { 1.0, 0.8, 1.2, 0.5 }, Beta1 = { 0.1, -0.2, 0.3, 0.0 };
    public static readonly double[] Gamma2 = { 0.9, 1.1, 0.7, 1.3 }, Beta2 = { 0.0, 0.5, -0.5, 0.2 };
    public static readonly double[] Gamma3 = { 1.0, 1.0, 1.0, 1.0 }, Beta3 = { 0.0, 0.0, 0.0, 0.0 };
    public static readonly double[] A1 = { 2.0, -1.5, 0.5, 3.0 }, B1 = { 1.0, 0.0, -2.0, 0.5 };
    public static readonly double[] A2 = { 0.5, 2.0, 1.5, -1.0 }, B2 = { 0.0, 1.0, 0.0, -1.0 };

    public static readonly int[] PlantedBn1Channels = { 1, 3 };
    public static readonly int[] PlantedBn2Channels = { 2 };

    /// <summary>True input statistics of bn2 (bn1 correct) and bn3 (bn1, bn2 correct), by hand.</summary>
    public static (double[] Mean, double[] Var) TrueBn2Input() => Affine(Beta1, OutputVar(Gamma1, InputVar), A1, B1);

    public static (double[] Mean, double[] Var) TrueBn3Input()
    {
        var (_, v2) = TrueBn2Input();
        return Affine(Beta2, OutputVar(Gamma2, v2), A2, B2);
    }

    private static double[] OutputVar(double[] gamma, double[] inVar) =>
        gamma.Select((g, c) => g * g * inVar[c] / (inVar[c] + Epsilon)).ToArray();

    private static (double[], double[]) Affine(double[] mean, double[] var, double[] a, double[] b) =>
        (mean.Select((m, c) => a[c] * m + b[c]).ToArray(), var.Select((v, c) => a[c] * a[c] * v).ToArray());

    public static ModelBuilder Build(bool planted, int opset = 15)
    {
        var b = new ModelBuilder(opset: opset, irVersion: 8, graphName: planted ? "planted_chain" : "matching_chain");
        var x = b.Input("x", ElementType.Float, "N", C, H, W);
        var m1 = (double[])InputMean.Clone();
        var v1 = (double[])InputVar.Clone();
        if (planted)
        {
            m1[1] += 3.0 * Math.Sqrt(InputVar[1] + Epsilon);
            m1[3] -= 2.5 * Math.Sqrt(InputVar[3] + Epsilon);
        }
        var h = Bn(b, x, "bn1", Gamma1, Beta1, m1, v1);
        h = Affine(b, h, "affine1", A1, B1);
        var (m2, v2) = TrueBn2Input();
        if (planted) v2[2] /= 4.0;
        h = Bn(b, h, "bn2", Gamma2, Beta2, m2, v2);
        h = Affine(b, h, "affine2", A2, B2);
        var (m3, v3) = TrueBn3Input();
        h = Bn(b, h, "bn3", Gamma3, Beta3, m3, v3);
        b.Node("Identity", new[] { h }, new[] { "y" }, "out");
        b.Output("y", ElementType.Float, "N", C, H, W);
        return b;
    }

    private static string Bn(ModelBuilder b, string x, string name, double[] g, double[] beta, double[] mean, double[] var)
    {
        var s = b.Initializer($"{name}.weight", ElementType.Float, new long[] { C }, g);
        var bb = b.Initializer($"{name}.bias", ElementType.Float, new long[] { C }, beta);
        var m = b.Initializer($"{name}.running_mean", ElementType.Float, new long[] { C }, mean);
        var v = b.Initializer($"{name}.running_var", ElementType.Float, new long[] { C }, var);
        b.Node("BatchNormalization", new[] { x, s, bb, m, v }, new[] { $"{name}.out" }, name, ("epsilon", Epsilon));
        return $"{name}.out";
    }

    private static string Affine(ModelBuilder b, string x, string name, double[] a, double[] bias)
    {
        var ai = b.Initializer($"{name}.a", ElementType.Float, new long[] { 1, C, 1, 1 }, a);
        var bi = b.Initializer($"{name}.b", ElementType.Float, new long[] { 1, C, 1, 1 }, bias);
        var mul = b.Op("Mul", $"{name}.mul", x, ai);
        return b.Op("Add", $"{name}.add", mul, bi);
    }

    /// <summary>
    /// Writes <paramref name="batches"/> .npy files of [batch, C, H, W] whose pooled per-channel sample mean
    /// and population variance are exactly InputMean/InputVar (up to float rounding).
    /// </summary>
    public static List<string> WriteData(string dir, int batches, int batch, ulong seed = 11)
    {
        Directory.CreateDirectory(dir);
        var rng = new DeterministicRandom(seed);
        int per = batch * H * W;
        int total = batches * per;
        var channels = new double[C][];
        for (int c = 0; c < C; c++)
        {
            var z = rng.Normals(total);
            double mean = z.Average();
            double var = z.Select(v => (v - mean) * (v - mean)).Sum() / total;
            channels[c] = z.Select(v => InputMean[c] + Math.Sqrt(InputVar[c]) * (v - mean) / Math.Sqrt(var)).ToArray();
        }
        var files = new List<string>();
        for (int k = 0; k < batches; k++)
        {
            var data = new float[batch * C * H * W];
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < C; c++)
                    for (int i = 0; i < H * W; i++)
                        data[((n * C) + c) * H * W + i] = (float)channels[c][k * per + n * H * W + i];
            string path = Path.Combine(dir, $"batch_{k:D3}.npy");
            NpyFile.Write(path, TensorValue.FromFloats(new long[] { batch, C, H, W }, data));
            files.Add(path);
        }
        return files;
    }
}
