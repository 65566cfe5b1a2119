package org.eqprop.examples.cli;

import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The summary line: one line of valid JSON that Jackson reads back to the values put in. */
class JsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void theLineKeepsItsFormat() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("a", 1);
        nested.put("b", List.of(0.5, 2.0));
        String line = new Json().put("command", "x").put("n", 3).put("loss", 1.0 / 3).put("small", 1.5e-5)
                .put("big", 123456789.0).put("ok", true).put("none", null).put("nested", nested)
                .put("curve", new double[]{0.25, Double.NaN}).toString();
        assertEquals("{\"command\": \"x\", \"n\": 3, \"loss\": 0.333333, \"small\": 1.5e-05, \"big\": 1.23457e+08, "
                + "\"ok\": true, \"none\": null, \"nested\": {\"a\": 1, \"b\": [0.5, 2]}, \"curve\": [0.25, null]}", line);
    }

    @Test
    void nestedValuesEscapesAndNonFiniteNumbersRoundTripThroughJackson() throws Exception {
        String awkward = "quote \" backslash \\ newline \n tab \t cr \r bell \u0007 nul \u0000 unicode é ∑ 😀 /";
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put(awkward, List.of(1, "two", 3.25, List.of(), Map.of()));
        inner.put("deeper", Map.of("k", List.of(Map.of("z", -7L))));
        List<Object> mixed = new ArrayList<>(Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Float.NaN, -0.0, 1e300, 4.9e-324, null, false));
        String line = new Json().put("text", awkward).put("inner", inner).put("mixed", mixed)
                .put("array", new double[]{1, Double.NaN, -2.5e-7}).put("path", Path.of("/tmp/a b"))
                .put("long", Long.MAX_VALUE).put("float", 0.1f).toString();
        assertFalse(line.contains("\n") || line.contains("\r"), "one line: " + line);
        JsonNode j = MAPPER.readTree(line);
        assertEquals(awkward, j.get("text").asText());
        JsonNode list = j.get("inner").get(awkward);
        assertEquals(1, list.get(0).asInt());
        assertEquals("two", list.get(1).asText());
        assertEquals(3.25, list.get(2).asDouble());
        assertTrue(list.get(3).isArray() && list.get(3).isEmpty());
        assertTrue(list.get(4).isObject() && list.get(4).isEmpty());
        assertEquals(-7, j.get("inner").get("deeper").get("k").get(0).get("z").asLong());
        JsonNode m = j.get("mixed");
        for (int i = 0; i < 4; i++) {
            assertTrue(m.get(i).isNull(), "non-finite numbers are null: " + m.get(i));
        }
        assertEquals(0, m.get(4).asDouble(), 0, "-0.0 is written -0 (a number)");
        assertEquals(1e300, m.get(5).asDouble());
        assertEquals(Double.MIN_VALUE, m.get(6).asDouble(), "4.94066e-324 reads back as the smallest double");
        assertTrue(m.get(7).isNull());
        assertTrue(m.get(8).isBoolean() && !m.get(8).asBoolean());
        assertEquals(1.0, j.get("array").get(0).asDouble());
        assertTrue(j.get("array").get(1).isNull());
        assertEquals(-2.5e-7, j.get("array").get(2).asDouble());
        assertEquals("/tmp/a b", j.get("path").asText(), "other objects by toString()");
        assertEquals(Long.MAX_VALUE, j.get("long").asLong());
        assertEquals(0.1, j.get("float").asDouble(), "floats with 6 significant digits, not 0.10000000149");
    }

    @Test
    void renderOfOneValueIsItsJson() throws Exception {
        assertEquals("null", Json.render(Double.NaN));
        assertEquals("\"a\\\"b\"", Json.render("a\"b"));
        assertEquals(0.0123457, MAPPER.readTree(Json.render(0.012345678)).asDouble());
    }
}
