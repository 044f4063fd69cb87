# travelbot: a static binary on a distroless base (no shell, non-root).
#   docker build -t travelbot .
#   docker run --rm -p 8080:8080 -e TRAVELBOT_HTTP_ADDR=:8080 travelbot
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: modernc.org/sqlite and pgx are pure Go, so the binary is static.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/travelbot ./cmd/travelbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/travelbot /travelbot
# The embedded store writes here; mount a volume (the embedded overlay does).
ENV TRAVELBOT_HTTP_ADDR=:8080 \
    TRAVELBOT_LOG_FORMAT=json \
    TRAVELBOT_DATA_DIR=/var/lib/travelbot
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/travelbot"]
CMD ["serve"]
