package org.eqprop.training;

import org.deeplearning4j.earlystopping.EarlyStoppingModelSaver;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.eqprop.io.ModelFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DL4J's {@code LocalFileGraphSaver} for EqProp graph trainers: the best and the latest graph of an early-stopping run
 * as {@code bestGraph.bin} and {@code latestGraph.bin} in a folder, written atomically, and given back as
 * {@link EqPropComputationGraph}s (DL4J's saver restores plain graphs, which lose the trainer's force).
 */
public final class EqPropFileGraphSaver implements EarlyStoppingModelSaver<ComputationGraph> {

    private static final long serialVersionUID = 1L;

    private final String directory;

    public EqPropFileGraphSaver(Path directory) throws IOException {
        Files.createDirectories(directory);
        this.directory = directory.toString();
    }

    private Path file(String name) {
        return Path.of(directory, name);
    }

    @Override
    public void saveBestModel(ComputationGraph graph, double score) throws IOException {
        ModelFiles.save(graph, file("bestGraph.bin"));
    }

    @Override
    public void saveLatestModel(ComputationGraph graph, double score) throws IOException {
        ModelFiles.save(graph, file("latestGraph.bin"));
    }

    @Override
    public EqPropComputationGraph getBestModel() throws IOException {
        return EqPropComputationGraph.wrap(ModelFiles.loadGraph(file("bestGraph.bin")));
    }

    @Override
    public EqPropComputationGraph getLatestModel() throws IOException {
        return EqPropComputationGraph.wrap(ModelFiles.loadGraph(file("latestGraph.bin")));
    }

    @Override
    public String toString() {
        return "EqPropFileGraphSaver(" + directory + ")";
    }
}
