using OnnxNorm.Ir;
using OnnxNorm.Runtime;
using OnnxNorm.Runtime.Execution;
using OnnxNorm.Workflows.Comparison;

namespace OnnxNorm.Ort.Tests;

/// <summary>
/// One node as a model of its own (<see cref="NodeModel"/>), what the per-node search's isolated check runs: fed the
/// values it reads in the graph, it computes what it computes in the graph.
/// </summary>
public sealed class NodeModelTests
{
    [Fact]
    public void Every_node_of_pp_ocr_cls_run_alone_on_its_in_graph_inputs_gives_its_in_graph_output_bit_for_bit()
    {
        using var m = ModelLoader.Load(NoiseAwareVerdictTests.PathOf("cls"));
        var options = NoiseAwareVerdictTests.Options("cls");
        Dictionary<string, TensorValue> inputs;
        using (var e = OrtEngine.FromBytes(File.ReadAllBytes(NoiseAwareVerdictTests.PathOf("cls")), "cls"))
            inputs = ComparisonInputs.Prepare(e.Inputs, options).Values;
        var computed = m.Graph.Nodes.SelectMany(n => n.Outputs).Where(o => o is not null).Select(o => o!.Name).ToList();
        var values = NativeValues.Run(m, computed, inputs, ExecutionPrecision.Native);
        foreach (var (k, v) in inputs) values[k] = v;
        var dynamic = PerNodeSearch.DataDependent(m.Graph);
        int checkedNodes = 0;
        foreach (var node in m.Graph.TopologicalOrder())
        {
            if (node.Output(0) is not { } output || !dynamic.Contains(output)) continue;
            var feed = node.Inputs.Where(i => i is not null && dynamic.Contains(i)).Distinct().ToDictionary(i => i!.Name, i => values[i!.Name]);
            var bytes = NodeModel.Build(node, feed);
            Assert.NotNull(bytes);
            using var alone = ModelLoader.Load(bytes, node.Name);
            var result = NativeSession.Create(alone).Run(feed)[output.Name];
            Assert.Equal(values[output.Name].Shape, result.Shape);
            Assert.True(values[output.Name].AsBytes().SequenceEqual(result.AsBytes()), $"{node.Describe()} alone differs from the graph");
            checkedNodes++;
        }
        Assert.True(checkedNodes > 100, $"{checkedNodes} nodes checked");
    }

    [Fact]
    public void A_node_whose_data_input_is_not_given_has_no_model_of_its_own()
    {
        using var m = ModelLoader.Load(NoiseAwareVerdictTests.PathOf("cls"));
        var conv = m.Graph.TopologicalOrder().First(n => n.OpType == "Conv");
        Assert.Null(NodeModel.Build(conv, new Dictionary<string, TensorValue>()));
    }
}
