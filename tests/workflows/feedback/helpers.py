"""What the feedback tests share: sending one the usual way."""

from workflows.feedback import services
from workflows.feedback.models import Feedback


def sent_on(dossier, user, content="Hồ sơ đã quá hạn mà chưa có kết quả.", kind=Feedback.Kind.FEEDBACK):
    return services.submit_feedback(acting_user=user, kind=kind, content=content, dossier=dossier)


def answered(feedback, officer, answer="Sở đã kiểm tra và sẽ trả kết quả trong tuần này.", publish=False):
    return services.answer_feedback(feedback=feedback, acting_user=officer, answer=answer, publish=publish)
