"""JSON → a Lua 5.1 chunk returning the same value, as Argo CD hands a Kubernetes object to a health
check: objects become tables keyed by field name, arrays tables indexed from 1, null is nil.

    python3 argocd_health.py [FILE]     (stdin when FILE is absent or -)
"""
import json
import sys


def lua_string(text):
    # Byte by byte, with three-digit decimal escapes (Lua 5.1 strings are bytes and know no \u;
    # a shorter escape would swallow a digit that follows it).
    out = []
    for byte in text.encode():
        char = chr(byte)
        out.append(char if 32 <= byte < 127 and char not in '"\\' else "\\%03d" % byte)
    return '"' + "".join(out) + '"'


def lua_value(value):
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return lua_string(value)
    if isinstance(value, list):
        return "{" + ", ".join(lua_value(item) for item in value) + "}"
    return "{" + ", ".join("[%s] = %s" % (lua_string(k), lua_value(v)) for k, v in value.items()) + "}"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "-"
    try:
        document = json.load(sys.stdin if path == "-" else open(path))
    except (OSError, ValueError) as error:
        sys.exit("argocd_health.py: %s: %s" % ("stdin" if path == "-" else path, error))
    if not isinstance(document, dict):
        sys.exit("argocd_health.py: not a JSON object")
    print("return " + lua_value(document))


main()
