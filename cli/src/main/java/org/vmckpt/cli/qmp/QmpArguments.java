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

    /**
     * The string argument given under {@code name} or under its older spelling {@code alias}, or null if neither is
     * present; both present with different values is an error.
     */
    String optionalString(String name, String alias) throws QmpException {
        String v = optionalString(name);
        String old = optionalString(alias);
        if (v != null && old != null && !v.equals(old)) throw conflict(name, alias);
        return v != null ? v : old;
    }

    /** The boolean argument under {@code name} or its older spelling {@code alias} (see the string variant). */
    boolean optionalBoolean(String name, String alias, boolean defaultValue) throws QmpException {
        if (has(name) && has(alias) && optionalBoolean(name, defaultValue) != optionalBoolean(alias, defaultValue)) {
            throw conflict(name, alias);
        }
        return has(name) ? optionalBoolean(name, defaultValue) : optionalBoolean(alias, defaultValue);
    }

    private static QmpException conflict(String name, String alias) {
        return QmpException.generic("Parameter '" + alias + "' is the older name of '" + name + "'; they disagree: give '" + name + "' only");
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
