"""The spectral:oas rules the official ruleset switches on, ported from Spectral 6.

Each mirrors the corresponding function of @stoplight/spectral-rulesets (oasOpIdUnique,
oasPathParam, uniquenessTags, serverVariables, ...), messages included. They run only on
documents Spectral recognises as OpenAPI: 2 or 3 (``needs_openapi``), or 3 only for the
``oas3-*`` rules that say so (``needs_openapi3``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote

from conformance.lint.context import HTTP_METHODS, LintContext
from conformance.lint.registry import Hit, rule
from conformance.lint.resolve import Pointer
from conformance.lint.rules._util import UNDEFINED, field_target, js_string
from conformance.lint.walk import js_truthy

PATH_PARAM = re.compile(r"(\{;?\??[a-zA-Z0-9_-]+\*?\})")
TRAILING_SLASH = re.compile(r".+\/\Z")
URL_VARIABLE = re.compile(r"{(.+?)}")
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_SPECIAL_SCHEMES = ("http", "https", "ws", "wss", "ftp")
_FORBIDDEN_HOST = frozenset(" #%/:<>?@[\\]^|\t\n\r\x00")


@rule(
    "operation-operationId-unique",
    adr="/core/publish-openapi",
    severity="error",
    origin="spectral:oas",
    needs_openapi=True,
    description='Every operation must have unique "operationId".',
)
def operation_operation_id_unique(ctx: LintContext) -> Iterator[Hit]:
    seen: set[Any] = set()  # a set, not a list: linear in the number of operations
    seen_unhashable: list[Any] = []  # an operationId that is an object or a list
    for op in ctx.operations():
        if "operationId" not in op.value:
            continue
        operation_id = op.value["operationId"]
        hashable = type(operation_id) not in (dict, list)
        if operation_id in (seen if hashable else seen_unhashable):
            yield Hit(
                (*op.pointer, "operationId"), 'Every operation must have unique "operationId".'
            )
        elif hashable:
            seen.add(operation_id)
        else:
            seen_unhashable.append(operation_id)


@rule(
    "path-params",
    adr="/core/publish-openapi",
    severity="error",
    origin="spectral:oas",
    needs_openapi=True,
    description="Path parameters must be defined and valid.",
)
def path_params(ctx: LintContext) -> Iterator[Hit]:
    unique: dict[str, str] = {}
    for path, item in ctx.path_items():
        normalized = PATH_PARAM.sub("%", path)
        if normalized in unique:
            yield Hit(
                ("paths", path),
                f'Paths "{unique[normalized]}" and "{path}" must not be equivalent.',
            )
        else:
            unique[normalized] = path
        in_path: list[str] = []
        for match in PATH_PARAM.finditer(path):
            name = re.sub(r"[{}?*;]", "", match.group(0))
            if name in in_path:
                yield Hit(
                    ("paths", path),
                    f'Path "{path}" must not use parameter "{{{name}}}" multiple times.',
                )
            else:
                in_path.append(name)
        top: dict[str, Pointer] = {}
        for pointer, param in ctx.parameters(item, ("paths", path)):
            yield from _named_path_param(param, pointer, top)
        for method, operation in item.items():
            operation = ctx.resolve(operation)
            if method not in HTTP_METHODS or type(operation) is not dict:
                continue
            own: dict[str, Pointer] = {}
            op_pointer: Pointer = ("paths", path, method)
            for pointer, param in ctx.parameters(operation, op_pointer):
                yield from _named_path_param(param, pointer, own)
            defined = {**top, **own}
            for name, where in defined.items():
                if name not in in_path:
                    yield Hit(where, f'Parameter "{name}" must be used in path "{path}".')
            for name in in_path:
                if name not in defined:
                    yield Hit(
                        op_pointer,
                        f'Operation must define parameter "{{{name}}}" as expected by path '
                        f'"{path}".',
                    )


def _named_path_param(
    param: dict[str, Any], pointer: Pointer, seen: dict[str, Pointer]
) -> Iterator[Hit]:
    if param.get("in", UNDEFINED) != "path" or "name" not in param:
        return
    name = js_string(param["name"])
    if param.get("required") is not True:
        yield Hit(
            pointer, f'Path parameter "{name}" must have "required" property that is set to "true".'
        )
    if name in seen:
        yield Hit(pointer, f'Path parameter "{name}" must not be defined multiple times.')
        return
    seen[name] = pointer


@rule(
    "openapi-tags-uniqueness",
    adr="/core/publish-openapi",
    severity="error",
    origin="spectral:oas",
    needs_openapi=True,
    description="Each tag must have a unique name.",
)
def openapi_tags_uniqueness(ctx: LintContext) -> Iterator[Hit]:
    tags = ctx.root("tags")
    if type(tags) is not list:
        return
    tags = [ctx.resolve(tag) for tag in tags]
    # Spectral skips the rule unless every tag is an object with a string name.
    if not all(type(tag) is dict and type(tag.get("name")) is str for tag in tags):
        return
    names = [tag["name"] for tag in tags]
    for position, name in enumerate(names):
        if names.index(name) != position:
            yield Hit(
                ("tags", position, "name"), f'"tags" object contains duplicate tag name "{name}".'
            )


@rule(
    "oas3-api-servers",
    adr="/core/publish-openapi",
    severity="error",
    origin="spectral:oas",
    needs_openapi3=True,
    description='OpenAPI "servers" must be present and non-empty array.',
)
def oas3_api_servers(ctx: LintContext) -> Iterator[Hit]:
    message = 'OpenAPI "servers" must be present and non-empty array.'
    servers, pointer = field_target(ctx.document, "servers", ())
    servers = ctx.resolve(servers) if servers is not UNDEFINED else servers
    if servers is UNDEFINED or type(servers) is not list or not servers:
        yield Hit(pointer, message)
        return
    for position, server in enumerate(servers):
        if type(ctx.resolve(server)) is not dict:
            yield Hit((*pointer, position), message)
            return  # ajv stops at the first error


@rule(
    "path-keys-no-trailing-slash",
    adr="/core/no-trailing-slash",
    severity="error",
    origin="spectral:oas",
    needs_openapi=True,
    overrides={"2.0": "warning", "2.1": "warning"},
    description="Path must not end with slash.",
)
def path_keys_no_trailing_slash(ctx: LintContext) -> Iterator[Hit]:
    paths = ctx.root("paths")
    if type(paths) is dict:
        for path in paths:
            if TRAILING_SLASH.search(path):
                yield Hit(("paths", path), "Path must not end with slash.", at_key=True)


@rule(
    "info-contact",
    adr="/core/doc-openapi-contact",
    severity="error",
    origin="spectral:oas",
    needs_openapi=True,
    overrides={"2.0": "warning"},
    description='Info object must have "contact" object.',
)
def info_contact(ctx: LintContext) -> Iterator[Hit]:
    # field "info.contact" (lodash get), function truthy
    info = ctx.root("info")
    contact = ctx.resolve(info.get("contact")) if type(info) is dict else None
    if not js_truthy(contact):
        yield Hit(("info", "contact"), 'Info object must have "contact" object.')


@rule(
    "oas3-server-variables",
    adr="/core/publish-openapi",
    severity="error",
    origin="spectral:oas",
    needs_openapi=True,
    description="Server variables must be defined and valid and there must be no unused variables.",
)
def oas3_server_variables(ctx: LintContext) -> Iterator[Hit]:
    for pointer, server in _all_servers(ctx):
        yield from _check_server(ctx, pointer, ctx.resolve(server))


def _all_servers(ctx: LintContext) -> Iterator[tuple[Pointer, Any]]:
    """$.servers[*], #PathItem.servers[*], #OperationObject.servers[*], #LinkObject.server."""
    yield from _servers_of(ctx, ctx.document, ())
    responses: list[tuple[Pointer, Any]] = []
    for path, item in ctx.path_items():
        yield from _servers_of(ctx, item, ("paths", path))
    for op in ctx.operations():
        yield from _servers_of(ctx, op.value, op.pointer)
        codes = ctx.resolve(op.value.get("responses"))
        if type(codes) is dict:
            responses += [((*op.pointer, "responses", c), r) for c, r in codes.items()]
    components = ctx.root("components")
    if type(components) is dict:
        for section in ("links", "responses"):
            members = ctx.resolve(components.get(section))
            if type(members) is not dict:
                continue
            for name, member in members.items():
                where: Pointer = ("components", section, name)
                if section == "links":
                    yield from _link_server(ctx, where, member)
                else:
                    responses.append((where, member))
    for owner, response in responses:
        response = ctx.resolve(response)
        links = ctx.resolve(response.get("links")) if type(response) is dict else None
        if type(links) is dict:
            for name, link in links.items():
                yield from _link_server(ctx, (*owner, "links", name), link)


def _servers_of(ctx: LintContext, owner: Any, pointer: Pointer) -> Iterator[tuple[Pointer, Any]]:
    servers = ctx.resolve(owner.get("servers")) if type(owner) is dict else None
    if type(servers) is list:
        for position, server in enumerate(servers):
            yield (*pointer, "servers", position), server
    elif type(servers) is dict:
        for key, server in servers.items():
            yield (*pointer, "servers", key), server


def _link_server(ctx: LintContext, pointer: Pointer, link: Any) -> Iterator[tuple[Pointer, Any]]:
    link = ctx.resolve(link)
    if type(link) is dict and "server" in link:
        yield (*pointer, "server"), link["server"]


def _valid_server_object(server: Any) -> bool:
    if type(server) is not dict or type(server.get("url", UNDEFINED)) is not str:
        return False
    variables = server.get("variables", UNDEFINED)
    if variables is UNDEFINED:
        return True
    if type(variables) is not dict:
        return False
    allowed = {"enum", "default", "description", "examples"}
    for variable in variables.values():
        if type(variable) is not dict:
            return False
        for key, value in variable.items():
            if key.startswith("x-"):
                continue
            if key not in allowed:
                return False
            if key == "enum" and not (type(value) is list and all(type(v) is str for v in value)):
                return False
            if key != "enum" and type(value) is not str:
                return False
    return True


def _check_server(ctx: LintContext, pointer: Pointer, server: Any) -> Iterator[Hit]:
    if not _valid_server_object(server):
        yield Hit(pointer, "Invalid Server Object")
        return
    url: str = server["url"]
    found = [match.group(0)[1:-1] for match in URL_VARIABLE.finditer(url)]
    variables: dict[str, Any] | None = server.get("variables")
    defined = list(variables) if variables else []
    for name in defined:
        if name not in found:
            yield Hit(
                (*pointer, "variables", name),
                f'Server\'s "variables" object has unused defined "{name}" url variable.',
            )
    if not found:
        return
    missing = [name for name in found if name not in defined]
    if missing:
        yield Hit(
            (*pointer, "variables"),
            'Not all server\'s variables are described with "variables" object. '
            f"Missed: {', '.join(missing)}.",
        )
    if variables is None:
        return
    pairs: list[tuple[str, list[str]]] = []
    for name in defined:
        if name not in found:
            continue
        variable = variables[name]
        if "enum" in variable:
            pairs.append((name, variable["enum"]))
            if "default" in variable and variable["default"] not in variable["enum"]:
                yield Hit(
                    (*pointer, "variables", name, "default"),
                    f'Server Variable "{name}" has a default not listed in the enum.',
                )
        elif "default" in variable:
            pairs.append((name, [variable["default"]]))
        else:
            pairs.append((name, []))
        if "default" not in variable:
            yield Hit(
                (*pointer, "variables", name), f'Server Variable "{name}" has a missing default.'
            )
    invalid = _invalid_substitutions(url, pairs)
    if len(invalid) == 5:
        yield Hit(
            (*pointer, "variables"),
            "At least 5 substitutions of server variables resulted in invalid URLs: "
            f"{', '.join(invalid)} and more",
        )
    elif invalid:
        yield Hit(
            (*pointer, "variables"),
            "A few substitutions of server variables resulted in invalid URLs: "
            + ", ".join(invalid),
        )


def _invalid_substitutions(url: str, pairs: list[tuple[str, list[str]]]) -> list[str]:
    """Up to five substitutions of the variables that ``new URL(...)`` would reject."""
    if not pairs:
        return []
    invalid: list[str] = []
    urls = [url]
    for name, values in pairs:
        urls = [
            u.replace("{" + name + "}", quote(v, safe=_ENCODE_URI_SAFE))
            for u in urls
            for v in values
        ]
    for candidate in urls:
        if not _is_absolute_url(candidate):
            invalid.append(candidate)
            if len(invalid) == 5:
                break
    return invalid


# encodeURI leaves these unescaped
_ENCODE_URI_SAFE = ";,/?:@&=+$-_.!~*'()#"


def _is_absolute_url(text: str) -> bool:
    """A stand-in for WHATWG ``new URL(text)`` without a base, as precise as server URLs need:
    a scheme, and for http(s)/ws(s)/ftp a non-empty host without forbidden code points (after
    percent-decoding, so an encoded space in a host fails) and a numeric port."""
    text = text.strip("".join(chr(code) for code in range(0x21)))
    scheme = _URL_SCHEME.match(text)
    if scheme is None:
        return False
    if scheme.group(0)[:-1].lower() not in _SPECIAL_SCHEMES:
        return True
    authority = re.split(r"[/?#\\]", text[scheme.end() :].lstrip("/\\"), maxsplit=1)[0]
    host_port = authority.rsplit("@", 1)[-1]
    if host_port.startswith("["):
        host, _, rest = host_port[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    else:
        host, _, port = host_port.partition(":")
    if port and (not port.isdigit() or int(port) > 65535):
        return False
    host = unquote(host)
    return bool(host) and not any(char in _FORBIDDEN_HOST for char in host)
