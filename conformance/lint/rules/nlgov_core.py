"""The official ``nlgov:*`` rules for documentation, versioning, paths and naming.

Each rule states the official selector (``given``) it reproduces; JavaScript regexes are
translated with ``\\Z`` for ``$`` so a trailing newline never slips through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from conformance.lint.context import HTTP_METHODS, LintContext
from conformance.lint.registry import Hit, rule
from conformance.lint.rules._util import UNDEFINED, field_target, printed
from conformance.lint.versions import SINCE_2_1, SINCE_2_2
from conformance.lint.walk import js_truthy
from conformance.spec.pointer import to_fragment

OPENAPI3 = re.compile(r"^3(.\d+){1,2}\Z")
MAJOR_IN_URI = re.compile(r"\/v[\d+]")
SPACE_SLASH_END = re.compile(r".+ \/\Z")
OPENAPI_DOC_PATH = re.compile(r"\/openapi\.(json)|(yaml)")
KEBAB_PATH = re.compile(
    r"^(\/|(\/_[a-z0-9]+|\/(([a-z0-9\-]+|{[^}]+})(\/([a-z0-9\-\.]+|{[^}]+}))*)(\/_[a-z]+)?)\/?)\Z"
)
LOWER_CAMEL_QUERY = re.compile(r"^\$?[a-z][a-z\d]*([A-Z][a-z\d]*)*\Z")
PASCAL = re.compile(r"^[A-Z][a-z0-9]*(?:[A-Z0-9](?:[a-z0-9]+|\Z))*\Z")
CAMEL = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z0-9](?:[a-z0-9]+|\Z))*\Z")
PLAIN_HTTP = re.compile(r"^http://.*")
LINKS = re.compile(r"_links", re.IGNORECASE)
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\Z"
)
VERSION_HEADER_NAMES = ("API-Version", "Api-Version", "Api-version", "api-version", "API-version")
STANDARD_METHODS = ("get", "post", "put", "patch", "delete")
# /core/http-methods requires the RFC 9110 semantics of the methods, under which every resource
# that supports GET supports HEAD, and OPTIONS is how a client asks what is allowed: an API may
# describe them.
ALLOWED_METHODS = (*STANDARD_METHODS, "head", "options")


@rule(
    "nlgov:openapi3",
    adr="/core/doc-openapi",
    severity="error",
    description="The document uses OpenAPI Specification 3 with a major.minor(.patch) version.",
)
def openapi3(ctx: LintContext) -> Iterator[Hit]:
    doc = ctx.document
    # given $.['openapi'], pattern '^3(.\d+){1,2}$' (a number is no string: Spectral skips it)
    if (
        type(doc) is dict
        and type(doc.get("openapi")) is str
        and not OPENAPI3.search(doc["openapi"])
    ):
        yield Hit(
            ("openapi",),
            "The OpenAPI Specification is versioned using a `major.minor.patch` versioning "
            "scheme. Use a version 3 OpenAPI Specification for documentation.",
        )


@rule(
    "nlgov:openapi-root-exists",
    adr="/core/doc-openapi",
    severity="error",
    description="The root of the document has an `openapi` property.",
)
def openapi_root_exists(ctx: LintContext) -> Iterator[Hit]:
    target, pointer = field_target(ctx.document, "openapi", ())
    if target is UNDEFINED or not js_truthy(target):
        yield Hit(pointer, "The root of the document must contain the `openapi` property.")


@rule(
    "nlgov:missing-version-header",
    adr="/core/version-header",
    severity="error",
    description="2xx/3xx responses declare the API-Version header.",
)
def missing_version_header(ctx: LintContext) -> Iterator[Hit]:
    # given $..[responses][?(@property.match(/(2|3)\d\d/))][headers], function `or`
    for pointer, response in ctx.index.success_responses:
        if type(response) is not dict or "headers" not in response:
            continue
        headers = ctx.resolve(response["headers"])
        if type(headers) is dict and not any(name in headers for name in VERSION_HEADER_NAMES):
            yield Hit((*pointer, "headers"), "Return the full version number in a response header.")


@rule(
    "nlgov:missing-header",
    adr="/core/version-header",
    severity="error",
    description="2xx/3xx responses declare headers (for the API-Version header).",
)
def missing_header(ctx: LintContext) -> Iterator[Hit]:
    for pointer, response in ctx.index.success_responses:
        target, where = field_target(response, "headers", pointer)
        if target is UNDEFINED or not js_truthy(target):
            yield Hit(where, "Return the full version number in a response header.")


@rule(
    "nlgov:include-major-version-in-uri",
    adr="/core/uri-version",
    severity="error",
    description="Every server URL contains the major version (/v1).",
)
def include_major_version_in_uri(ctx: LintContext) -> Iterator[Hit]:
    for pointer, server in _root_servers(ctx):
        url, where = field_target(server, "url", pointer)
        if type(url) is str and not MAJOR_IN_URI.search(url):
            yield Hit(where, "Include the major version number in the URI.")


@rule(
    "nlgov:paths-no-trailing-slash",
    adr="/core/no-trailing-slash",
    severity="error",
    description="Official rule; its pattern '.+ \\/$' only matches a path ending in ' /'.",
)
def paths_no_trailing_slash(ctx: LintContext) -> Iterator[Hit]:
    # Kept as written: the space in the official pattern means it practically never fires.
    # path-keys-no-trailing-slash (spectral:oas) is the rule that catches trailing slashes.
    for path, _item in _path_keys(ctx):
        if SPACE_SLASH_END.search(path):
            yield Hit(("paths", path), "Leave off trailing slashes from URIs.", at_key=True)


@rule(
    "nlgov:info-contact-fields-exist",
    adr="/core/doc-openapi-contact",
    severity="error",
    versions=SINCE_2_1,
    description="info.contact has email, name and url.",
)
def info_contact_fields_exist(ctx: LintContext) -> Iterator[Hit]:
    info = ctx.root("info")
    if type(info) is not dict or "contact" not in info:
        return
    contact = ctx.resolve(info["contact"])
    if type(contact) is dict and not all(name in contact for name in ("email", "name", "url")):
        yield Hit(
            ("info", "contact"),
            "Missing fields in `info.contact` field. Must specify email, name and url.",
        )


@rule(
    "nlgov:http-methods",
    adr="/core/http-methods",
    severity="error",
    description="Every operation uses get, post, put, patch or delete.",
)
def http_methods(ctx: LintContext) -> Iterator[Hit]:
    """Deliberately NOT the official selector, which is mis-scoped.

    The official rule selects ``$.paths[?(@property.match(/(description|summary)/i))]``: path
    items whose *URL* contains "description" or "summary" (e.g. ``/summary``), and then demands
    that every key of those items contains post|put|get|delete|patch|parameters. So it never
    looks at ordinary paths (``trace`` passes everywhere) and on a path like ``/summary`` it
    flags the item's own ``summary``/``description``/``servers`` fields. The rule text ("How to
    test: confirm all supported methods are either post, put, get, delete, or patch") asks for
    what we check: every operation of every path uses one of those five, or ``head`` or
    ``options``, which the rule's "RFC 9110 semantics" imply (a GET resource answers HEAD).
    """
    for path, item in ctx.path_items():
        for key in item:
            if (key in HTTP_METHODS and key not in ALLOWED_METHODS) or key == "query":
                yield Hit(
                    ("paths", path, key),
                    f'Only apply standard HTTP methods: "{key}" is not one of '
                    "get, post, put, patch, delete (or head, options).",
                    at_key=True,
                )
        extra = ctx.resolve(item.get("additionalOperations"))
        if type(extra) is dict:  # OpenAPI 3.2: operations with any other method name
            for method in extra:
                yield Hit(
                    ("paths", path, "additionalOperations", method),
                    f'Only apply standard HTTP methods: "{method}" is not one of '
                    "get, post, put, patch, delete.",
                    at_key=True,
                )


@rule(
    "nlgov:paths-kebab-case",
    adr="/core/path-segments-kebab-case",
    severity="error",
    versions=SINCE_2_2,
    description="Path segments are kebab-case (variables and a leading '_' segment allowed).",
)
def paths_kebab_case(ctx: LintContext) -> Iterator[Hit]:
    # given $.paths[?(@property && !@property.match(/\/openapi\.(json)|(yaml)/))]~ ; the
    # exclusion reads "contains /openapi.json, or contains yaml" (JavaScript alternation).
    for path, _item in _path_keys(ctx):
        if path and not OPENAPI_DOC_PATH.search(path) and not KEBAB_PATH.search(path):
            yield Hit(("paths", path), f"{path} is not kebab-case.", at_key=True)


@rule(
    "nlgov:query-keys-camel-case",
    adr="/core/query-keys-camel-case",
    severity="error",
    versions=SINCE_2_2,
    description="Query parameter names (and query API keys) are lower camelCase.",
)
def query_keys_camel_case(ctx: LintContext) -> Iterator[Hit]:
    # given $.paths.*.*.parameters[?(@.in=='query')] -- operation-level parameters only, as
    # written -- and $.components.securitySchemes[?(@.in=='query')]; field name.
    for path, item in ctx.path_items():
        for key, operation in item.items():
            operation = ctx.resolve(operation)
            if type(operation) is not dict or "parameters" not in operation:
                continue
            params = ctx.resolve(operation["parameters"])
            if type(params) is dict:
                members: Iterable[tuple[str | int, object]] = params.items()
            elif type(params) is list:
                members = enumerate(params)
            else:
                continue
            for position, param in members:
                yield from _camel_name(ctx, ("paths", path, key, "parameters", position), param)
    components = ctx.root("components")
    schemes = ctx.resolve(components.get("securitySchemes")) if type(components) is dict else None
    if type(schemes) is dict:
        for name, scheme in schemes.items():
            yield from _camel_name(ctx, ("components", "securitySchemes", name), scheme)


def _camel_name(ctx: LintContext, pointer: tuple[str | int, ...], param: object) -> Iterator[Hit]:
    param = ctx.resolve(param)
    if type(param) is dict and param.get("in") == "query":
        name = param.get("name")
        if type(name) is str and not LOWER_CAMEL_QUERY.search(name):
            yield Hit((*pointer, "name"), f"{name} is not lower camelCase.")


@rule(
    "nlgov:schema-camel-case",
    adr=None,
    severity="warning",
    description="Convention of the official ruleset (no ADR rule): schema names are "
    "UpperCamelCase.",
)
def schema_camel_case(ctx: LintContext) -> Iterator[Hit]:
    components = ctx.root("components")
    schemas = ctx.resolve(components.get("schemas")) if type(components) is dict else None
    if type(schemas) is not dict:
        return
    for name in schemas:
        if name and not PASCAL.search(name):
            pointer = ("components", "schemas", name)
            yield Hit(
                pointer,
                f"Schema name should be UpperCamelCase in {to_fragment(pointer)}",
                at_key=True,
            )


@rule(
    "nlgov:servers-use-https",
    adr="/core/transport/tls",
    severity="warning",
    description="Server URLs use https.",
)
def servers_use_https(ctx: LintContext) -> Iterator[Hit]:
    # given $.servers[*] and $.paths..servers[*]; field url, notMatch ^http://.*
    for pointer, server in [*_root_servers(ctx), *ctx.index.path_servers]:
        url, where = field_target(ctx.resolve(server), "url", pointer)
        if type(url) is str and PLAIN_HTTP.search(url):
            yield Hit(
                where,
                f"Server URL {url} {printed(url)} must not match the pattern '^http://.*'.",
            )


@rule(
    "nlgov:property-casing",
    adr=None,
    severity="warning",
    description="Convention of the official ruleset (no ADR rule): keys of *_links properties "
    "are lowerCamelCase.",
)
def property_casing(ctx: LintContext) -> Iterator[Hit]:
    # given $.*.schemas[*].properties.[?(@property.match(/_links/i))], field @key, casing camel
    doc = ctx.document
    if type(doc) is not dict:
        return
    for top, section in doc.items():
        section = ctx.resolve(section)
        schemas = ctx.resolve(section.get("schemas")) if type(section) is dict else None
        if type(schemas) is not dict:
            continue
        for name, schema in schemas.items():
            schema = ctx.resolve(schema)
            props = ctx.resolve(schema.get("properties")) if type(schema) is dict else None
            if type(props) is not dict:
                continue
            for prop, value in props.items():
                if not LINKS.search(prop):
                    continue
                value = ctx.resolve(value)
                keys = list(value) if type(value) is dict else []
                if type(value) is list:
                    keys = [str(position) for position in range(len(value))]
                for key in keys:
                    if key and not CAMEL.search(key):
                        yield Hit(
                            (top, "schemas", name, "properties", prop, key),
                            "Properties must be lowerCamelCase.",
                            at_key=True,
                        )


@rule(
    "nlgov:semver",
    adr="/core/semver",
    severity="error",
    description="info.version is a Semantic Version.",
)
def semver(ctx: LintContext) -> Iterator[Hit]:
    info = ctx.root("info")
    version = info.get("version") if type(info) is dict else None
    if type(version) is str and not SEMVER.search(version):
        yield Hit(("info", "version"), f"Version {version} is not in semver format.")


@rule(
    "unrecognized-format",
    adr="/core/doc-openapi",
    severity="warning",
    origin="spectral:oas",
    description="The document is no OpenAPI 2 or 3 document (Spectral's own diagnostic).",
)
def unrecognized_format(ctx: LintContext) -> Iterator[Hit]:
    if not (ctx.is_openapi3 or ctx.is_openapi2):
        yield Hit(
            (),
            "The provided document does not match any of the registered formats "
            "[OpenAPI 2.0 (Swagger), OpenAPI 3.x, OpenAPI 3.0.x, OpenAPI 3.1.x, OpenAPI 3.2.x]",
        )


def _root_servers(ctx: LintContext) -> list[tuple[tuple[str | int, ...], object]]:
    servers = ctx.root("servers")
    if type(servers) is list:
        return [(("servers", i), ctx.resolve(s)) for i, s in enumerate(servers)]
    if type(servers) is dict:
        return [(("servers", k), ctx.resolve(s)) for k, s in servers.items()]
    return []


def _path_keys(ctx: LintContext) -> Iterator[tuple[str, object]]:
    paths = ctx.root("paths")
    if type(paths) is dict:
        yield from paths.items()
