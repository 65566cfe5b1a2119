package org.eqprop.training;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.eqprop.costs.Costs;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.nn.layers.NetworkInputLayer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link ComputationGraph} counterpart of {@link EqPropNetwork}: every EqProp block whose only consumer is an
 * output layer is nudged by the papers' state-dependent force −β ∂C/∂s_N(s_N, y), recomputed at every step of the
 * nudged phase from that output layer's loss and the graph's labels for it (instead of DL4J's backpropagated ε held
 * at the free fixed point). Blocks elsewhere in the graph are nudged by the ε DL4J hands them.
 */
public class EqPropComputationGraph extends ComputationGraph {

    private INDArray[] currentLabels;

    public EqPropComputationGraph(ComputationGraphConfiguration conf) {
        super(conf);
    }

    /** A trainer sharing the configuration and a copy of the parameters and updater state of a restored graph. */
    public static EqPropComputationGraph wrap(ComputationGraph graph) {
        EqPropComputationGraph out = new EqPropComputationGraph(graph.getConfiguration().clone());
        out.init(graph.params().dup(), false);
        if (graph.getUpdater() != null && graph.getUpdater().getStateViewArray() != null) {
            out.getUpdater().getStateViewArray().assign(graph.getUpdater().getStateViewArray());
        }
        return out;
    }

    /** A copy that is still an EqProp trainer; what DL4J's early-stopping savers call. */
    @Override
    public EqPropComputationGraph clone() {
        return wrap(this);
    }

    /**
     * Initialises the graph, then tells each layer without an input gradient (also inside a wrapper such as
     * {@code FrozenLayerWithBackprop}) whether only network inputs and frozen layers feed it.
     */
    @Override
    public void init(INDArray parameters, boolean cloneParametersArray) {
        super.init(parameters, cloneParametersArray);
        GraphVertex[] vertices = getVertices();
        for (GraphVertex v : vertices) {
            NetworkInputLayer l = v.hasLayer() ? NetworkInputLayer.of(v.getLayer()) : null;
            if (l != null) {
                boolean fed = v.getInputVertices() != null && v.getInputVertices().length > 0;
                for (VertexIndices in : v.getInputVertices() == null ? new VertexIndices[0] : v.getInputVertices()) {
                    GraphVertex below = vertices[in.getVertexIndex()];
                    fed &= below.isInputVertex() || below.hasLayer() && NetworkInputLayer.frozen(below.getLayer());
                }
                l.setFedByNetworkInput(fed);
            }
        }
    }

    @Override
    public void setLabels(INDArray... labels) {
        super.setLabels(labels);
        currentLabels = labels == null ? null : labels.clone();
    }

    @Override
    public void setLabel(int labelNum, INDArray label) {
        super.setLabel(labelNum, label);
        int outputs = getConfiguration().getNetworkOutputs().size();
        if (currentLabels == null || currentLabels.length != outputs) {
            currentLabels = new INDArray[outputs];
        }
        currentLabels[labelNum] = label;
    }

    @Override
    public void computeGradientAndScore(LayerWorkspaceMgr workspaceMgr) {
        List<EqPropBlockLayer> installed = installForces();
        try {
            super.computeGradientAndScore(workspaceMgr);
        } finally {
            installed.forEach(b -> b.setNudgingForce(null));
        }
    }

    @Override
    public void computeGradientAndScore() {
        List<EqPropBlockLayer> installed = installForces();
        try {
            super.computeGradientAndScore();
        } finally {
            installed.forEach(b -> b.setNudgingForce(null));
        }
    }

    /** Installs the recomputed force on each block that feeds one output layer directly; returns those blocks. */
    private List<EqPropBlockLayer> installForces() {
        List<EqPropBlockLayer> out = new ArrayList<>();
        if (currentLabels == null) {
            return out;
        }
        List<String> outputs = getConfiguration().getNetworkOutputs();
        GraphVertex[] vertices = getVertices();
        for (GraphVertex v : vertices) {
            if (!v.hasLayer() || !(v.getLayer() instanceof EqPropBlockLayer block)
                    || block.layerConf().estimation().nudgingForce() != org.eqprop.costs.NudgingForce.Mode.RECOMPUTED) {
                continue;
            }
            VertexIndices[] next = v.getOutputVertices();
            if (next == null || next.length != 1) {
                continue;
            }
            GraphVertex consumer = vertices[next[0].getVertexIndex()];
            int output = outputs.indexOf(consumer.getVertexName());
            if (output < 0 || !consumer.hasLayer() || output >= currentLabels.length
                    || currentLabels[output] == null) {
                continue;
            }
            block.setNudgingForce(Costs.forOutputLayer(consumer.getLayer(), currentLabels[output]));
            out.add(block);
        }
        return out;
    }
}
