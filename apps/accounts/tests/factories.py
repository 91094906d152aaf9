from __future__ import annotations

from allauth.account.models import EmailAddress
from factory.declarations import PostGenerationMethodCall, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.faker import Faker
from factory.helpers import post_generation

from apps.accounts.models import Learner, Role, User

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = Sequence(lambda n: f"person{n}@example.com")
    first_name = Faker("first_name")
    last_name = Faker("last_name")
    role = Role.STUDENT
    password = PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


class StudentFactory(UserFactory):
    role = Role.STUDENT


class InstructorUserFactory(UserFactory):
    role = Role.INSTRUCTOR


class StaffFactory(UserFactory):
    role = Role.STUDENT
    is_staff = True
    is_superuser = True


class LearnerFactory(DjangoModelFactory[Learner]):
    class Meta:
        model = Learner

    parent = SubFactory(StudentFactory)
    first_name = Faker("first_name")
    age_group_id = "kids"
