using OnnxNorm.Ir;
using OnnxNorm.TestModels;

namespace OnnxNorm.TestSupport;

/// <summary>
/// A page-like image for the PaddleOCR models: light background, dark bars like lines of text, a little noise,
/// normalised like PaddleOCR's input. On random noise the detector's map saturates (all ~0), which says little.
/// </summary>
public static class PageImage
{
    public static float[] Create(long[] shape, DeterministicRandom rng)
    {
        int h = (int)shape[2], w = (int)shape[3];
        var x = new float[checked((int)(shape[0] * shape[1] * h * w))];
        for (int c = 0; c < shape[0] * shape[1]; c++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    bool ink = (i % 24) is >= 8 and < 16 && (j % 12) < 8 && j > 8 && j < w - 8;
                    double v = (ink ? 0.1 : 0.9) + rng.Uniform(-0.05, 0.05);
                    x[(c * h + i) * w + j] = (float)((v - 0.5) / 0.5);
                }
        return x;
    }
}
