# syntax=docker/dockerfile:1
# Nestor Catalog server image: multi-stage, runs as a non-root user, embedded
# storage in the /data volume by default. Build: docker build -t nestor-catalog .
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
# The postinstall step --ignore-scripts skipped: connect-es's server path rewritten (young-generation
# garbage, the JSON writer option the server's record JSON cache needs; see the script's header).
COPY scripts/rewrite-connect.mjs ./scripts/
RUN node scripts/rewrite-connect.mjs
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY gen/ts/src ./gen/ts/src
COPY web ./web
# The server (dist/src) and the web app it serves at / (dist/web).
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# The container listens on 0.0.0.0, so `serve` refuses to start until
# authentication is configured (docs/security.md): mount a config and set
# NESTOR_CONFIG, or pass keys as JSON, e.g.
#   -e NESTOR_AUTH_API_KEYS='[{"name":"ci","hash":"sha256:…","role":"publisher"}]'
# (hashes from `docker run --rm nestor-catalog hash-key`). A throwaway local
# container can run `serve --insecure` instead, which warns at every start.
ENV NODE_ENV=production \
    NESTOR_SERVER_HOST=0.0.0.0 \
    NESTOR_SERVER_PORT=8080 \
    NESTOR_STORAGE_EMBEDDED_DATA_DIR=/data
WORKDIR /app
RUN groupadd --system --gid 10001 nestor && useradd --system --uid 10001 --gid nestor --home /app nestor \
    && mkdir -p /data && chown nestor:nestor /data
COPY --from=build --chown=nestor:nestor /src/node_modules ./node_modules
COPY --from=build --chown=nestor:nestor /src/dist ./dist
COPY --chown=nestor:nestor package.json ./
COPY --chown=nestor:nestor bin ./bin
USER nestor
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["node", "dist/src/main.js", "healthcheck", "--url", "http://127.0.0.1:8080"]
# Health is an open method (auth.openMethods), so the check needs no credentials; with
# server.tls set, point --url at https:// and mount a CA the node process trusts.
# SIGTERM drains: health goes NOT_SERVING, watches end UNAVAILABLE, GOAWAY, exit.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["serve"]
