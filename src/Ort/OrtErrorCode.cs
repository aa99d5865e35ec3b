namespace OnnxNorm.Ort;

/// <summary>ORT's OrtErrorCode values, as the managed package names them in its messages.</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    ShapeInferenceNotRegistered = 11,
    RequirementNotRegistered = 12,
    ModelRequiresCompilation = 13,
    NotFound = 14,
}
