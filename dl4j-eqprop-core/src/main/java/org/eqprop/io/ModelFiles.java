package org.eqprop.io;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Saving and restoring networks with DL4J's {@link ModelSerializer}: atomic saves and clear errors on bad files. */
public final class ModelFiles {

    private ModelFiles() {
    }

    /** Saves the network (with its updater state) so that the file is never left half-written. */
    public static void save(MultiLayerNetwork net, Path path) throws IOException {
        AtomicFiles.write(path, out -> ModelSerializer.writeModel(net, out, true));
    }

    /** Saves the graph (with its updater state) so that the file is never left half-written. */
    public static void save(ComputationGraph graph, Path path) throws IOException {
        AtomicFiles.write(path, out -> ModelSerializer.writeModel(graph, out, true));
    }

    /** Restores a graph, or explains why the file cannot be one. */
    public static ComputationGraph loadGraph(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("model file not found: " + path);
        }
        ComputationGraph graph;
        try {
            graph = ModelSerializer.restoreComputationGraph(path.toFile(), true);
        } catch (Exception e) {
            throw new IOException("cannot read model file " + path + ": not a DL4J graph zip or corrupt ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
        if (graph.params() != null && !finite(graph.params())) {
            throw new IOException(path + ": the parameters hold NaN or infinite values (the model comes from a "
                    + "diverged run)");
        }
        return graph;
    }

    /** Restores a network, or explains why the file cannot be one. */
    public static MultiLayerNetwork load(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("model file not found: " + path);
        }
        MultiLayerNetwork net;
        try {
            net = ModelSerializer.restoreMultiLayerNetwork(path.toFile(), true);
        } catch (Exception e) {
            throw new IOException("cannot read model file " + path + ": not a DL4J model zip or corrupt ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
        requireFinite(net, path.toString());
        return net;
    }

    /**
     * Refuses a network whose parameters hold NaN or ±Inf (a diverged run's): names the first such parameter.
     *
     * @throws IOException naming {@code source} and the parameter
     */
    public static void requireFinite(MultiLayerNetwork net, String source) throws IOException {
        if (net.params() == null || finite(net.params())) {
            return;
        }
        for (int i = 0; i < net.getnLayers(); i++) {
            for (java.util.Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> e
                    : net.getLayer(i).paramTable().entrySet()) {
                if (!finite(e.getValue())) {
                    throw new IOException(source + ": parameter " + i + "_" + e.getKey()
                            + " holds NaN or infinite values (the model comes from a diverged run)");
                }
            }
        }
        throw new IOException(source + ": the parameters hold NaN or infinite values");
    }

    /**
     * True when every value is finite: one reduction, since a sum in double precision of float or double values that
     * are all finite cannot overflow here (at most 2^31 values of magnitude below 1.8e308 / 2^31 for doubles is the one
     * case it could; such parameters are nonsense anyway), and any NaN or ±Inf makes it non-finite.
     */
    public static boolean finite(org.nd4j.linalg.api.ndarray.INDArray a) {
        if (a.length() == 0) {
            return true;
        }
        double s = a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sumNumber().doubleValue();
        return Double.isFinite(s);
    }
}
