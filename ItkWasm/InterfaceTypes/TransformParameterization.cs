namespace ItkWasm;

/// <summary>
/// The ITK transform class a <see cref="Transform"/> stands for. The member names are ITK-Wasm's
/// <c>transformParameterization</c> strings exactly (ITK-Wasm <c>include/itkTransformJSON.h</c>).
/// </summary>
public enum TransformParameterization
{
    /// <summary><c>Composite</c>: a header entry meaning "compose the transforms that follow"; it carries no data.</summary>
    Composite,

    /// <summary><c>Identity</c>.</summary>
    Identity,

    /// <summary><c>Translation</c>.</summary>
    Translation,

    /// <summary><c>Euler2D</c>.</summary>
    Euler2D,

    /// <summary><c>Euler3D</c>.</summary>
    Euler3D,

    /// <summary><c>Rigid2D</c>.</summary>
    Rigid2D,

    /// <summary><c>Rigid3D</c>.</summary>
    Rigid3D,

    /// <summary><c>Rigid3DPerspective</c>.</summary>
    Rigid3DPerspective,

    /// <summary><c>Versor</c>.</summary>
    Versor,

    /// <summary><c>VersorRigid3D</c>.</summary>
    VersorRigid3D,

    /// <summary><c>Scale</c>.</summary>
    Scale,

    /// <summary><c>ScaleLogarithmic</c>.</summary>
    ScaleLogarithmic,

    /// <summary><c>ScaleSkewVersor3D</c>.</summary>
    ScaleSkewVersor3D,

    /// <summary><c>Similarity2D</c>.</summary>
    Similarity2D,

    /// <summary><c>Similarity3D</c>.</summary>
    Similarity3D,

    /// <summary><c>QuaternionRigid</c>.</summary>
    QuaternionRigid,

    /// <summary><c>Affine</c>.</summary>
    Affine,

    /// <summary><c>ScalableAffine</c>.</summary>
    ScalableAffine,

    /// <summary><c>AzimuthElevationToCartesian</c>.</summary>
    AzimuthElevationToCartesian,

    /// <summary><c>BSpline</c>.</summary>
    BSpline,

    /// <summary><c>BSplineSmoothingOnUpdateDisplacementField</c>.</summary>
    BSplineSmoothingOnUpdateDisplacementField,

    /// <summary><c>ConstantVelocityField</c>.</summary>
    ConstantVelocityField,

    /// <summary><c>DisplacementField</c>.</summary>
    DisplacementField,

    /// <summary><c>GaussianSmoothingOnUpdateDisplacementField</c>.</summary>
    GaussianSmoothingOnUpdateDisplacementField,

    /// <summary><c>GaussianExponentialDiffeomorphic</c>.</summary>
    GaussianExponentialDiffeomorphic,

    /// <summary><c>VelocityField</c>.</summary>
    VelocityField,

    /// <summary><c>TimeVaryingVelocityField</c>.</summary>
    TimeVaryingVelocityField,

    /// <summary><c>GaussianSmoothingOnUpdateTimeVaryingVelocityField</c>.</summary>
    GaussianSmoothingOnUpdateTimeVaryingVelocityField,
}
