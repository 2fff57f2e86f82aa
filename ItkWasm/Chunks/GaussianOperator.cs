namespace ItkWasm.Chunks;

/// <summary>
/// The one-dimensional kernel of ITK's <c>GaussianOperator</c>
/// (<c>Modules/Core/Common/include/itkGaussianOperator.hxx</c>), which <c>DiscreteGaussianImageFilter</c> applies along
/// each axis: <c>e^(−t)·I_n(t)</c> for the variance <c>t</c> in pixels², with <c>I_n</c> the modified Bessel functions
/// of the first kind (ITK's polynomial approximations for <c>I₀</c>, <c>I₁</c> and its downward recurrence for
/// <c>n ≥ 2</c>), grown from the centre until the terms sum to at least <c>1 − maximumError</c> or the half kernel has
/// more than <c>maximumWidth</c> terms, then divided by their sum. Computed in the same order as ITK, so the
/// coefficients are the ones the WebAssembly module uses. <c>@itk-wasm/downsample</c>'s <c>downsample</c> smooths with
/// it (<see cref="ForShrinkFactor"/>), so its radius is the halo a chunk of that pipeline reads.
/// </summary>
public static class GaussianOperator
{
    // The denominator of downsampleSigma.h, σ = sqrt((k² − 1) / (2·√(2·ln 2))²), as the module writes it.
    private const double SigmaDenominator = 5.545177444479562;

    /// <summary>The kernel <c>downsample</c> smooths an axis with before shrinking it by <paramref name="factor"/>
    /// (<c>downsampleSigma.h</c>, then <c>SetSigmaArray</c>, which squares σ into the variance).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> is below 1.</exception>
    public static double[] ForShrinkFactor(int factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        var sigma = Math.Sqrt(((uint)factor * (uint)factor - 1) / SigmaDenominator);
        return Coefficients(sigma * sigma);
    }

    /// <summary>The kernel for <paramref name="variance"/> (pixels²): <c>2r + 1</c> coefficients, centre at
    /// <c>r</c>, symmetric.</summary>
    public static double[] Coefficients(double variance, double maximumError = 0.01, int maximumWidth = 32)
    {
        var half = new List<double>();
        var et = Math.Exp(-variance);
        var cap = 1.0 - maximumError;
        half.Add(et * BesselI0(variance));
        var sum = half[0];
        half.Add(et * BesselI1(variance));
        sum += half[1] * 2.0;
        for (var i = 2; sum < cap; i++)
        {
            half.Add(et * BesselI(i, variance));
            sum += half[i] * 2.0;
            if (half[i] <= 0.0 || half.Count > maximumWidth)
            {
                break;
            }
        }

        var radius = half.Count - 1;
        var kernel = new double[(2 * radius) + 1];
        for (var i = 0; i <= radius; i++)
        {
            kernel[radius + i] = kernel[radius - i] = half[i] / sum;
        }

        return kernel;
    }

    private static double BesselI0(double y)
    {
        var d = Math.Abs(y);
        if (d < 3.75)
        {
            var m = y / 3.75;
            m *= m;
            return 1.0 + (m * (3.5156229 + (m * (3.0899424 + (m * (1.2067492 + (m * (0.2659732 + (m * (0.360768e-1 + (m * 0.45813e-2)))))))))));
        }

        var q = 3.75 / d;
        return Math.Exp(d) / Math.Sqrt(d) * (0.39894228 + (q * (0.1328592e-1 + (q * (0.225319e-2 + (q * (-0.157565e-2 + (q * (0.916281e-2 + (q * (-0.2057706e-1 + (q * (0.2635537e-1 + (q * (-0.1647633e-1 + (q * 0.392377e-2))))))))))))))));
    }

    private static double BesselI1(double y)
    {
        var d = Math.Abs(y);
        double accumulator;
        if (d < 3.75)
        {
            var m = y / 3.75;
            m *= m;
            accumulator = d * (0.5 + (m * (0.87890594 + (m * (0.51498869 + (m * (0.15084934 + (m * (0.2658733e-1 + (m * (0.301532e-2 + (m * 0.32411e-3))))))))))));
        }
        else
        {
            var q = 3.75 / d;
            accumulator = 0.2282967e-1 + (q * (-0.2895312e-1 + (q * (0.1787654e-1 - (q * 0.420059e-2)))));
            accumulator = 0.39894228 + (q * (-0.3988024e-1 + (q * (-0.362018e-2 + (q * (0.163801e-2 + (q * (-0.1031555e-1 + (q * accumulator)))))))));
            accumulator *= Math.Exp(d) / Math.Sqrt(d);
        }

        return y < 0.0 ? -accumulator : accumulator;
    }

    // I_n(y) for n ≥ 2 by downward recurrence from an order above n, normalised by I₀ (ITK's ModifiedBesselI).
    private static double BesselI(int n, double y)
    {
        const double Accuracy = 40.0;
        if (y == 0.0)
        {
            return 0.0;
        }

        var toy = 2.0 / Math.Abs(y);
        double qip = 0.0, accumulator = 0.0, qi = 1.0;
        for (var j = 2 * (n + (int)Math.Sqrt(Accuracy * n)); j > 0; j--)
        {
            var qim = qip + (j * toy * qi);
            qip = qi;
            qi = qim;
            if (Math.Abs(qi) > 1.0e10)
            {
                accumulator *= 1.0e-10;
                qi *= 1.0e-10;
                qip *= 1.0e-10;
            }

            if (j == n)
            {
                accumulator = qip;
            }
        }

        accumulator *= BesselI0(y) / qi;
        return y < 0.0 && (n & 1) == 1 ? -accumulator : accumulator;
    }
}
