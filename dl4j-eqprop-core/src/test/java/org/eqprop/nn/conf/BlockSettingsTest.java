package org.eqprop.nn.conf;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.UpdateOrder;
import org.eqprop.engines.EngineKind;
import org.eqprop.estimators.GradientEstimator;
import org.eqprop.layers.StateActivation;
import org.eqprop.util.Records;
import org.eqprop.util.Setting;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block's typed settings: defaults in one place, JSON of the grouped and of the first (flat) format, errors. */
class BlockSettingsTest {

    private static MultiLayerConfiguration net(EqPropBlock block) {
        return new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1)).list().layer(block)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).build())
                .setInputType(InputType.feedForward(6)).build();
    }

    private static EqPropBlock block(MultiLayerConfiguration c) {
        return (EqPropBlock) c.getConf(0).getLayer();
    }

    @Test
    void theBuilderStartsFromTheRecordsDefaults() {
        EqPropBlock b = new EqPropBlock.Builder().nIn(6).layerSizes(4).build();
        assertEquals(RelaxationSettings.DEFAULTS, b.relaxation());
        assertEquals(EstimationSettings.DEFAULTS, b.estimation());
    }

    @Test
    void groupedSettingsRoundTripThroughJson() {
        EqPropBlock b = new EqPropBlock.Builder().nIn(6).layerSizes(5, 4).stateActivation("half-hard-sigmoid")
                .dynamics(Dynamics.Kind.OVER_RELAXATION).overRelaxation(1.5).freeSteps(12).nudgedSteps(4)
                .tolerance(1e-5).updateOrder(UpdateOrder.ALTERNATING).engine(EngineKind.REFERENCE).beta(0.3)
                .estimator(GradientEstimator.Kind.RANDOM_SIGN).nudgingForce(NudgingForce.Mode.HELD).seed(7).build();
        String json = net(b).toJson();
        assertTrue(json.contains("\"relaxation\" : {"), json);
        assertTrue(json.contains("\"dynamics\" : \"over-relaxation\""), json);
        assertTrue(!json.contains("\"alternating\" :"), "derived values are not written: " + json);
        EqPropBlock back = block(MultiLayerConfiguration.fromJson(json));
        assertEquals(b, back);
        assertEquals(UpdateOrder.ALTERNATING, back.relaxation().updateOrder());
        assertEquals(GradientEstimator.Kind.RANDOM_SIGN, back.estimation().estimator());
        assertEquals(NudgingForce.Mode.HELD, back.estimation().nudgingForce());
        assertEquals(net(b), MultiLayerConfiguration.fromYaml(net(b).toYaml()));
    }

    @Test
    void configurationsSurviveJavaSerializationAsSparkShipsThem() throws Exception {
        EqPropBlock b = new EqPropBlock.Builder().convLayers(new ConvSpec(2, 3, 1, "avg", 2)).layerSizes(4)
                .inputShape(1, 6, 6).stateActivation("logistic").estimator("one-sided").beta(0.2)
                .spiking(null).build();
        EqPropBlock s = new EqPropBlock.Builder().nIn(6).layerSizes(5, 3)
                .spiking(org.eqprop.spiking.SpikingSettings.osa(0.05)).freeSteps(4).nudgedSteps(2).build();
        for (EqPropBlock block : List.of(b, s)) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(block);
            }
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                assertEquals(block, in.readObject());
            }
        }
    }

    @Test
    void configurationsOfTheFirstFormatStillLoad() throws IOException {
        EqPropBlock dense = block(MultiLayerConfiguration.fromJson(resource("eqprop-block-0.1-dense.json")));
        RelaxationSettings r = dense.relaxation();
        assertEquals(StateActivation.Kind.HALF_HARD_SIGMOID, r.activation());
        assertEquals(Dynamics.Kind.OVER_RELAXATION, r.dynamics());
        assertEquals(1.5, r.overRelaxation());
        assertEquals(12, r.freeSteps());
        assertEquals(4, r.nudgedSteps());
        assertEquals(1e-5, r.tolerance());
        assertEquals(UpdateOrder.ALTERNATING, r.updateOrder());
        assertEquals(EngineKind.REFERENCE, r.engine());
        assertTrue(r.persistentStates());
        EstimationSettings e = dense.estimation();
        assertEquals(GradientMethod.EQPROP, e.method());
        assertEquals(GradientEstimator.Kind.RANDOM_SIGN, e.estimator());
        assertEquals(0.3, e.beta());
        assertEquals(NudgingForce.Mode.HELD, e.nudgingForce());
        assertEquals(7, e.seed());
        assertEquals(2, dense.getLayerUpdaters().size());

        EqPropBlock bptt = block(MultiLayerConfiguration.fromJson(resource("eqprop-block-0.1-bptt.json")));
        assertEquals(GradientMethod.BPTT, bptt.estimation().method());
        assertEquals(3, bptt.estimation().bpttSteps());
        assertEquals(StateActivation.Kind.LOGISTIC, bptt.relaxation().activation());
        assertEquals(9, bptt.relaxation().freeSteps());
    }

    @Test
    void unknownSettingsInJsonAreRefusedNotIgnored() throws IOException {
        String json = resource("eqprop-block-0.1-dense.json").replace("\"freeSteps\" : 12", "\"freeStep\" : 12");
        Exception e = assertThrows(RuntimeException.class, () -> MultiLayerConfiguration.fromJson(json));
        assertTrue(messages(e).contains("unknown setting 'freeStep'"), messages(e));
        Exception inGroup = assertThrows(IllegalArgumentException.class,
                () -> RelaxationSettings.fromJson(Map.of("freeStep", 3)));
        assertTrue(inGroup.getMessage().contains("freeStep"), inGroup.getMessage());
    }

    @Test
    void missingComponentsTakeTheDefaults() {
        RelaxationSettings r = RelaxationSettings.fromJson(Map.of("freeSteps", 7, "activation", "tanh"));
        assertEquals(RelaxationSettings.DEFAULTS.withFreeSteps(7).withActivation(StateActivation.Kind.TANH), r);
        EstimationSettings e = EstimationSettings.fromJson(Map.of("estimator", "one-sided"));
        assertEquals(EstimationSettings.DEFAULTS.withEstimator(GradientEstimator.Kind.ONE_SIDED), e);
    }

    @Test
    void badValuesNameTheSettingAndTheChoices() {
        Exception steps = assertThrows(IllegalArgumentException.class,
                () -> RelaxationSettings.DEFAULTS.withFreeSteps(0));
        assertTrue(steps.getMessage().contains("freeSteps must be >= 1, got 0"), steps.getMessage());
        Exception name = assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().dynamics("newton"));
        assertTrue(name.getMessage().contains("fixed-point, euler, over-relaxation or langevin"), name.getMessage());
        Exception type = assertThrows(IllegalArgumentException.class,
                () -> RelaxationSettings.fromJson(Map.of("freeSteps", 2.5)));
        assertTrue(type.getMessage().contains("freeSteps expects an integer"), type.getMessage());
        Exception combined = assertThrows(IllegalArgumentException.class, () -> new EqPropBlock.Builder().nIn(6)
                .layerSizes(4).estimator("bptt").updateOrder("alternating").build());
        assertTrue(combined.getMessage().contains("synchronous"), combined.getMessage());
        Exception unused = assertThrows(IllegalArgumentException.class, () -> new EqPropBlock.Builder().nIn(6)
                .layerSizes(4).samples(3).build());
        assertTrue(unused.getMessage().contains("langevin"), unused.getMessage());
    }

    @Test
    void everySettingIsDocumentedForTheCommandLine() {
        for (Class<? extends Record> type : List.of(RelaxationSettings.class, EstimationSettings.class)) {
            for (Records.Component c : Records.components(type)) {
                Setting doc = c.doc();
                assertNotNull(doc, type.getSimpleName() + "." + c.name() + " needs a @Setting");
                assertTrue(!doc.value().isBlank(), c.name());
            }
        }
        assertEquals("free-steps", Records.components(RelaxationSettings.class).stream()
                .filter(c -> c.name().equals("freeSteps")).findFirst().orElseThrow().kebabName());
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = BlockSettingsTest.class.getResourceAsStream("/legacy/" + name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String messages(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            s.append(c.getMessage()).append(" / ");
        }
        return s.toString();
    }
}
