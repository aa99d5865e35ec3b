namespace OnnxNorm.Ort;

/// <summary>ORT's OrtErrorCode values, as the managed package names them in its messages.</summary>
public enum OrtErrorCode
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>A general failure.</summary>
    Fail = 1,
    /// <summary>An argument was invalid (often a bad input).</summary>
    InvalidArgument = 2,
    /// <summary>A file was not found.</summary>
    NoSuchFile = 3,
    /// <summary>No model was loaded.</summary>
    NoModel = 4,
    /// <summary>An error inside the engine.</summary>
    EngineError = 5,
    /// <summary>An exception while running.</summary>
    RuntimeException = 6,
    /// <summary>The model is not valid protobuf.</summary>
    InvalidProtobuf = 7,
    /// <summary>A model is already loaded.</summary>
    ModelLoaded = 8,
    /// <summary>An operator or feature is not implemented.</summary>
    NotImplemented = 9,
    /// <summary>The graph is invalid.</summary>
    InvalidGraph = 10,
    /// <summary>No shape inference for an operator.</summary>
    ShapeInferenceNotRegistered = 11,
    /// <summary>A kernel requirement is not registered.</summary>
    RequirementNotRegistered = 12,
    /// <summary>The model must be compiled first.</summary>
    ModelRequiresCompilation = 13,
    /// <summary>Something looked up was not found.</summary>
    NotFound = 14,
}
