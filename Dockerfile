# Build: the same commands run outside Docker (`cargo build --release --locked`).
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

# Run: a slim base, a non-root user, no OpenSSL (rustls only).
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /app sportello
WORKDIR /app
COPY --from=build /src/target/release/sportello /usr/local/bin/sportello
COPY dialogues /app/dialogues
COPY content /app/content
USER sportello
ENTRYPOINT ["sportello"]
CMD ["serve"]
