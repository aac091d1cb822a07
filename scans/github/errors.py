"""Every exception the GitHub client raises, in one place: callers catch these and nothing else."""


class GitHubError(Exception):
    """Base of the GitHub client's exceptions."""


class BadCredentials(GitHubError):
    """401: the configured token was rejected; retrying cannot help."""


class Cancelled(GitHubError):
    """The caller asked to stop while a request was waiting (rate limit or backoff)."""


class TransientFailure(GitHubError):
    """5xx, timeout or connection error that outlived every retry."""


class GitHubUnreachable(GitHubError):
    """GitHub did not answer for longer than GITHUB_UNREACHABLE_TIMEOUT; str() says where and why."""


class ConnectionFailed(Exception):
    """No answer: the connection failed, timed out or broke (`__cause__` is urllib3's or the
    socket's error). The transport raises it; the client retries it and ends in TransientFailure."""
