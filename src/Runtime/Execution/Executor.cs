using OnnxNorm.Ir;

namespace OnnxNorm.Runtime.Execution;

/// <summary>Runs an <see cref="ExecutionPlan"/>: slots in an array, one step after another, buffers back to the pool after their last use.</summary>
internal static class Executor
{
    /// <summary>Runs the plan with <paramref name="slots"/> already holding the feeds and captured values.</summary>
    public static void Run(ExecutionPlan plan, TensorValue?[] slots, BufferPool pool, SessionOptions options)
    {
        for (int i = 0; i < plan.Constants.Length; i++)
            if (plan.Constants[i] is { } c && slots[i] is null) slots[i] = c;
        var ctx = new OpContext(slots, pool, options);
        var observer = options.Observer;
        foreach (var step in plan.Steps)
        {
            ctx.Bind(step.Node, step.Inputs, step.Outputs);
            long t0 = options.Profile is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                step.Operator.Run(ctx);
            }
            catch (BadInputException e) when (!e.Message.Contains(step.Node.Describe(), StringComparison.Ordinal))
            {
                throw new BadInputException($"{step.Node.Describe()}: {e.Message}", e);
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidCastException or ArithmeticException)
            {
                throw new BadInputException($"{step.Node.Describe()}: {e.Message}", e);
            }
            options.Profile?.Add(step.ProfileKey.Length > 0 ? step.ProfileKey : step.Node.OpType, System.Diagnostics.Stopwatch.GetTimestamp() - t0);
            if (ctx.Scratch.Count > 0)
            {
                foreach (var t in ctx.Scratch) pool.Return(t);
                ctx.Scratch.Clear();
            }
            foreach (int o in step.Outputs)
                if (o >= 0 && slots[o] is null)
                    throw new InvalidOperationException($"{step.Node.Describe()} did not produce all its outputs");
            if (observer is not null)
                foreach (var (slot, producer, index) in step.Observed)
                    observer.OnValue(producer, index, slots[slot]!);
            if (step.Release.Length > 0) ReleaseAfter(step, slots, pool);
        }
    }

    private static void ReleaseAfter(PlanStep step, TensorValue?[] slots, BufferPool pool)
    {
        // A group of slots may share one buffer (views): return each distinct buffer once.
        var pooled = step.ReturnToPool;
        for (int i = 0; i < pooled.Length; i++)
        {
            var v = slots[pooled[i]];
            if (v is null) continue;
            bool seen = false;
            for (int j = 0; j < i && !seen; j++) seen = slots[pooled[j]] is { } w && ReferenceEquals(w.Buffer, v.Buffer);
            if (!seen) pool.Return(v);
        }
        foreach (int s in step.Release) slots[s] = null;
    }
}
