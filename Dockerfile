# The Voorrang service as a container image: a static binary on a
# distroless base, running as an unprivileged user. Redis runs beside it
# (compose.yaml), never inside: give --redis (VOORRANG_REDIS).
#
#   docker build -t voorrang .
#
# TestContainerFiles (cmd/voorrang) checks this file and compose.yaml
# against the code: ports, flags and their environment variables.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/voorrang ./cmd/voorrang

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/voorrang /usr/local/bin/voorrang
USER nonroot:nonroot
# HTTP (panel, API, /healthz, /readyz) and MLLP.
EXPOSE 8080 2575
ENTRYPOINT ["/usr/local/bin/voorrang"]
CMD ["serve", "--http", ":8080", "--mllp", ":2575", "--log-format", "json"]
