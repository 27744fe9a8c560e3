package org.vmckpt.cli.qmp;

import java.util.Map;
import java.util.Set;

/** Typed access to a command's "arguments" object, with QEMU's wording for bad arguments. */
final class QmpArguments {
    private final Map<String, Object> values;

    /** @throws QmpException if an argument not in {@code allowed} is present */
    QmpArguments(Map<String, Object> values, Set<String> allowed) throws QmpException {
        this.values = values;
        for (String name : values.keySet()) {
            if (!allowed.contains(name)) {
                throw QmpException.generic("Parameter '" + name + "' is unexpected");
            }
        }
    }

    /** Whether the argument is present. */
    boolean has(String name) {
        return values.containsKey(name);
    }

    long requiredLong(String name) throws QmpException {
        Object v = values.get(name);
        if (v == null) throw QmpException.generic("Parameter '" + name + "' is missing");
        if (!(v instanceof Long l)) throw wrongType(name, "integer");
        return l;
    }

    String requiredString(String name) throws QmpException {
        if (!values.containsKey(name)) {
            throw QmpException.generic("Parameter '" + name + "' is missing");
        }
        return optionalString(name);
    }

    /** The string argument, or null if absent. */
    String optionalString(String name) throws QmpException {
        Object v = values.get(name);
        if (v == null && !values.containsKey(name)) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw wrongType(name, "string");
        }
        return s;
    }

    boolean optionalBoolean(String name, boolean defaultValue) throws QmpException {
        if (!values.containsKey(name)) {
            return defaultValue;
        }
        if (!(values.get(name) instanceof Boolean b)) {
            throw wrongType(name, "boolean");
        }
        return b;
    }

    /** The object argument, or an empty map if absent. */
    @SuppressWarnings("unchecked")
    Map<String, Object> optionalObject(String name) throws QmpException {
        if (!values.containsKey(name)) {
            return Map.of();
        }
        if (!(values.get(name) instanceof Map<?, ?> map)) {
            throw wrongType(name, "object");
        }
        return (Map<String, Object>) map; // Json.parse only makes String-keyed maps
    }

    private static QmpException wrongType(String name, String expected) {
        return QmpException.generic("Invalid parameter type for '" + name + "', expected: " + expected);
    }
}
