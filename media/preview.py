"""``POST /api/photos/preview-image``: a photo the browser cannot show (an iPad's HEIC in
Chrome, say) turned into a WebP the tagging screen can show and draw masks on, made
by the same decoder as the pipeline (so upright the same way: masks are fractions of
the upright photo) in a sandboxed child process with the pipeline's limits. Staff
only, one file, nothing stored."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from media.formats import NotAPhoto
from media.intake import FORM_OVERHEAD_BYTES, UploadAbandoned, read_upload
from media.sandbox import SandboxPool
from portal.errors import InvalidInput, PayloadTooLarge
from portal.roster.models import Role
from portal.web.requests import identify, require_role, runtime
from portal.web.responses import content_length

PREVIEW = "large"  # 1280 px: enough to draw a mask on a tablet


async def preview_image(request: Request) -> Response:
    rt = runtime(request)
    settings = rt.settings
    async with rt.uow() as uow:
        require_role(await identify(request, uow.session), Role.STAFF, Role.MANAGER, Role.ADMIN)
    too_large = PayloadTooLarge("photo.too_large", name="foto", megabytes=settings.upload_max_bytes // (1024 * 1024))
    if content_length(request) > settings.upload_max_bytes + FORM_OVERHEAD_BYTES:
        raise too_large
    try:
        form = await read_upload(
            request,
            max_files=1,
            max_file_bytes=settings.upload_max_bytes,
            stall_secs=settings.upload_stall_seconds,
            too_large=too_large,
        )
    except UploadAbandoned:
        return Response(status_code=400)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("photo.preview_needs_file")
        data = await upload.read()
    finally:
        await form.close()
    sandbox: SandboxPool = rt.extras["previews"]
    try:
        processed = await sandbox.process(data, [[]])
    except NotAPhoto as exc:
        raise InvalidInput(
            exc.reason, name=upload.filename or "", megapixels=settings.upload_max_pixels // 1_000_000
        ) from None
    return Response(
        processed.renditions[0].files[PREVIEW],
        media_type="image/webp",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


routes: list[BaseRoute] = [Route("/api/photos/preview-image", preview_image, methods=["POST"])]
