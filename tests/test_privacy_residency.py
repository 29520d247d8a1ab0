"""Data residency: a Chinese customer's record stays in China, an EU customer's in the EU, and
validators abroad only ever see commitments."""

import pytest

from minichain import ValidationError, Wallet
from minichain.privacy import ResidencyPolicy, ResidencyViolation, Storage, check_residency

eu_validator, cn_validator, sg_validator = (Wallet.from_seed(s) for s in ("eu", "cn", "sg"))
NAMES = {eu_validator.address: "validator-frankfurt", cn_validator.address: "validator-shanghai",
         sg_validator.address: "validator-singapore"}


def policy():
    p = ResidencyPolicy([Storage("vault-eu", "EU", "vault"), Storage("vault-cn", "CN", "vault")])
    p.tag_validators({eu_validator.address: "EU", cn_validator.address: "CN",
                      sg_validator.address: "SG"}, names=NAMES)
    return p


def test_a_record_may_go_to_storage_in_its_own_jurisdiction_only():
    p = policy()
    p.check_transfer("the record of customer C-2001", "CN", "vault-cn")
    with pytest.raises(ResidencyViolation, match="the record of customer C-2001 is tagged CN and "
                                                 r"may only be kept in storage in CN, but vault "
                                                 r"vault-eu \(EU\) is in EU") as error:
        p.check_transfer("the record of customer C-2001", "CN", "vault-eu")
    assert isinstance(error.value, ValidationError)
    assert [s.name for s in p.allowed("CN")] == ["vault-cn", "validator-shanghai"]


def test_personal_data_on_chain_would_reach_every_validator():
    with pytest.raises(ResidencyViolation, match="validator-frankfurt"):
        policy().check_on_chain("customer C-2001's phone number", "CN")
    only_china = ResidencyPolicy()
    only_china.tag_validators({cn_validator.address: "CN"})
    only_china.check_on_chain("customer C-2001's phone number", "CN")


def test_validators_are_listed_and_unknown_storage_is_named():
    p = policy()
    assert [str(v) for v in p.validators] == [
        "validator validator-frankfurt (EU)", "validator validator-shanghai (CN)",
        "validator validator-singapore (SG)"]
    with pytest.raises(KeyError, match="no storage named 'vault-us'"):
        p.check_transfer("a record", "EU", "vault-us")


def test_the_check_itself():
    check_residency("a record", "EU", "backup", "EU")
    with pytest.raises(ResidencyViolation):
        check_residency("a record", "EU", "backup", "US")
