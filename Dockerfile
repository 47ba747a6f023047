# Build a static hearth binary, then ship it alone on a distroless base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/hearthlive/hearth.Version=${VERSION}" \
      -o /out/hearth ./cmd/hearth \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hearth /usr/local/bin/hearth
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
WORKDIR /data
ENV HEARTH_HTTP_ADDR=:8080 \
    HEARTH_DATABASE_URL=sqlite:///data/hearth.db \
    HEARTH_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/hearth", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/hearth"]
CMD ["serve"]
