using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>One node to run: its prepared operator, the slots it reads and writes, and what to free after it.</summary>
internal sealed class PlanStep
{
    public required Node Node { get; init; }
    public required IOperator Operator { get; init; }
    /// <summary>What `bench --profile` counts this step's time under (<see cref="Execution.ProfileKey"/>).</summary>
    public string ProfileKey { get; init; } = "";
    public required int[] Inputs { get; init; }
    public required int[] Outputs { get; init; }
    /// <summary>Outputs may share input 0's buffer.</summary>
    public bool Aliases { get; init; }
    /// <summary>Slots whose buffers are dead once this step has run.</summary>
    public int[] Release { get; set; } = Array.Empty<int>();
    /// <summary>Slots whose buffers go back to the pool (a subset of Release: owned, one per buffer group).</summary>
    public int[] ReturnToPool { get; set; } = Array.Empty<int>();
    /// <summary>Observed outputs: slot, producing node (the activation's node for a fused Conv), output index.</summary>
    public (int Slot, Node Producer, int Index)[] Observed { get; set; } = Array.Empty<(int, Node, int)>();
}

/// <summary>
/// A graph compiled for execution: nodes in topological order, every value numbered by a slot, constants
/// converted once, and the release points of every buffer. Built once; <see cref="Executor"/> runs it.
/// </summary>
internal sealed class ExecutionPlan
{
    public required Graph Graph { get; init; }
    public required int SlotCount { get; init; }
    public required PlanStep[] Steps { get; init; }
    /// <summary>Constants by slot (null where the slot is filled at run time).</summary>
    public required TensorValue?[] Constants { get; init; }
    /// <summary>Graph inputs the caller feeds (overridable initializers carry their default in Constants).</summary>
    public required (Value Value, int Slot)[] Inputs { get; init; }
    public required (Value Value, int Slot)[] Outputs { get; init; }
    /// <summary>Values of enclosing scopes this (sub)graph reads, filled by the owning node.</summary>
    public required (Value Value, int Slot)[] Captured { get; init; }
    /// <summary>Whether the buffer of each output slot was allocated by the plan (else it belongs to a constant or a feed).</summary>
    public required bool[] OutputOwned { get; init; }
}
