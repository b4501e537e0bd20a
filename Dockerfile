# Build: the same command runs outside Docker (`cargo build --release --locked`), with
# the pinned toolchain (rust-version in Cargo.toml) and the committed Cargo.lock.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# jemalloc (the allocator) is built from C with make.
RUN apt-get update && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked

# Run: a slim base, a non-root user, no OpenSSL (rustls only; CA roots are built in).
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /app sportello
WORKDIR /app
COPY --from=build /src/target/release/sportello /usr/local/bin/sportello
# Defaults; mount your own over them (see docker-compose.yml).
COPY dialogues /app/dialogues
COPY content /app/content
USER sportello
ENV SPORTELLO_LISTEN=0.0.0.0:8080 \
    SPORTELLO_DIALOGUES=/app/dialogues
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=6s --start-period=20s --retries=3 \
    CMD ["sportello", "healthcheck"]
# Migrations run at start; SIGTERM stops it cleanly.
ENTRYPOINT ["sportello"]
CMD ["serve"]
