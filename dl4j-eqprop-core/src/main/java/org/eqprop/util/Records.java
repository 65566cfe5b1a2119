package org.eqprop.util;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Generic access to the components of a settings record: read them as a map, build a copy with some replaced (values
 * given as their type, a number or a string are converted), list them with their {@link Setting} documentation. This
 * is what lets JSON and the command line follow a settings record without code per setting.
 */
public final class Records {

    private Records() {
    }

    /** One component of a settings record. */
    public record Component(String name, Class<?> type, Setting doc) {

        /** The command-line spelling: freeSteps becomes free-steps. */
        public String kebabName() {
            return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
        }

        /** True for a boolean component: a flag on the command line. */
        public boolean isFlag() {
            return type == boolean.class || type == Boolean.class;
        }

        /** The allowed names when the component is a {@link Named} enum, else null. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        public String choices() {
            return type.isEnum() && Named.class.isAssignableFrom(type) ? Named.choices((Class) type) : null;
        }
    }

    /** The components of {@code type}, in declaration order. */
    public static List<Component> components(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents())
                .map(c -> new Component(c.getName(), c.getType(), c.getAnnotation(Setting.class))).toList();
    }

    /** The components' values by name, in declaration order; a {@link Named} enum as its name. */
    public static Map<String, Object> toMap(Record r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v = read(r, c);
            m.put(c.getName(), v instanceof Named n ? n.cliName() : v);
        }
        return m;
    }

    /** True when {@code type} has a component called {@code name}. */
    public static boolean has(Class<? extends Record> type, String name) {
        return Arrays.stream(type.getRecordComponents()).anyMatch(c -> c.getName().equals(name));
    }

    /** A copy of {@code r} with component {@code name} set to {@code value} (converted to its type). */
    public static <R extends Record> R with(R r, String name, Object value) {
        return with(r, Map.of(name, value));
    }

    /**
     * A copy of {@code r} with the given components replaced; an unknown name or a value that does not convert is an
     * {@link IllegalArgumentException} naming it. The record's constructor checks the values as usual.
     */
    @SuppressWarnings("unchecked")
    public static <R extends Record> R with(R r, Map<String, ?> values) {
        RecordComponent[] cs = r.getClass().getRecordComponents();
        Object[] args = new Object[cs.length];
        for (int i = 0; i < cs.length; i++) {
            args[i] = read(r, cs[i]);
        }
        String what = r.getClass().getSimpleName();
        for (Map.Entry<String, ?> e : values.entrySet()) {
            int i = indexOf(cs, e.getKey());
            if (i < 0) {
                throw new IllegalArgumentException(what + ": unknown setting '" + e.getKey() + "'; known: "
                        + Arrays.stream(cs).map(RecordComponent::getName).toList());
            }
            args[i] = convert(e.getValue(), cs[i].getType(), what + "." + e.getKey());
        }
        try {
            Constructor<?> k = r.getClass().getDeclaredConstructor(
                    Arrays.stream(cs).map(RecordComponent::getType).toArray(Class<?>[]::new));
            k.setAccessible(true);
            return (R) k.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + what, e);
        }
    }

    private static int indexOf(RecordComponent[] cs, String name) {
        for (int i = 0; i < cs.length; i++) {
            if (cs[i].getName().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static Object read(Record r, RecordComponent c) {
        try {
            java.lang.reflect.Method m = c.getAccessor();
            m.setAccessible(true);
            return m.invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + c.getName(), e);
        }
    }

    /** {@code value} as {@code type}: numbers and strings convert, enums parse by name; otherwise refused. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object convert(Object value, Class<?> type, String where) {
        if (value == null) {
            if (type.isPrimitive()) {
                throw new IllegalArgumentException(where + " must not be null");
            }
            return null;
        }
        try {
            if (type == int.class || type == Integer.class) {
                return value instanceof Number n ? exactInt(n, where) : Integer.parseInt(value.toString().trim());
            }
            if (type == long.class || type == Long.class) {
                return value instanceof Number n ? exactLong(n, where) : Long.parseLong(value.toString().trim());
            }
            if (type == double.class || type == Double.class) {
                return value instanceof Number n ? n.doubleValue() : Double.parseDouble(value.toString().trim());
            }
            if (type == boolean.class || type == Boolean.class) {
                if (value instanceof Boolean b) {
                    return b;
                }
                String s = value.toString().trim().toLowerCase(Locale.ROOT);
                if (!s.equals("true") && !s.equals("false")) {
                    throw new IllegalArgumentException(where + " must be true or false, got '" + value + "'");
                }
                return Boolean.parseBoolean(s);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + " expects " + (type == double.class || type == Double.class
                    ? "a number" : "an integer") + ", got '" + value + "'");
        }
        if (type.isEnum() && Named.class.isAssignableFrom(type)) {
            if (type.isInstance(value)) {
                return value;
            }
            return Named.parse((Class) type, value.toString(), where.substring(where.lastIndexOf('.') + 1));
        }
        if (type.isInstance(value)) {
            return value;
        }
        throw new IllegalArgumentException(where + " expects a " + type.getSimpleName() + ", got "
                + value.getClass().getSimpleName() + " '" + value + "'");
    }

    private static int exactInt(Number n, String where) {
        double d = n.doubleValue();
        if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + " expects an integer, got " + n);
        }
        return (int) d;
    }

    private static long exactLong(Number n, String where) {
        if (n instanceof Long || n instanceof Integer) {
            return n.longValue();
        }
        double d = n.doubleValue();
        if (d != Math.rint(d)) {
            throw new IllegalArgumentException(where + " expects an integer, got " + n);
        }
        return (long) d;
    }
}
